import type { RedisNode } from '@kvs-lab/shared/redis';

import type { ClusterState } from './cluster-state.ts';
import { lexBounds, itemPage } from '../../domain/item-page.ts';
import type { PageQuery } from '../../domain/item-page.ts';
import type { Rebalancer } from './rebalancer.ts';
import { nodeStore } from './node-store.ts';
import { AppError } from '../../errors.ts';

/**
 * PK/SK items (DynamoDB-style): the partition key is what the ring routes, so
 * every item of a partition sits on one shard, in one sorted set, and a query
 * is one range read on that shard's master.
 */
export class RouterItems {
  private readonly state: ClusterState;
  private readonly rebalancer: Rebalancer;

  constructor(state: ClusterState, rebalancer: Rebalancer) {
    this.state = state;
    this.rebalancer = rebalancer;
  }

  async putItem(pk: string, sk: string, value: string): Promise<{ pk: string; sk: string; shard: string }> {
    return this.rebalancer.routed({ kind: 'pk', name: pk }, async (shardId) => {
      this.state.countOp(shardId);
      await nodeStore.putItem(this.masterOf(shardId), pk, sk, value);
      return { pk, sk, shard: shardId };
    });
  }

  async getItem(pk: string, sk: string): Promise<{ pk: string; sk: string; value: string; shard: string }> {
    return this.rebalancer.routed({ kind: 'pk', name: pk }, async (shardId) => {
      this.state.countOp(shardId);
      const value = await nodeStore.getItem(this.masterOf(shardId), pk, sk);
      if (value === null) {
        throw new AppError('ITEM_NOT_FOUND', `No item ${pk}/${sk}.`, { extras: { pk, sk, shard: shardId } });
      }
      return { pk, sk, value, shard: shardId };
    });
  }

  async deleteItem(
    pk: string,
    sk: string,
  ): Promise<{ pk: string; sk: string; shard: string; isDeleted: boolean }> {
    return this.rebalancer.routed({ kind: 'pk', name: pk }, async (shardId) => {
      this.state.countOp(shardId);
      const removed = await nodeStore.deleteItem(this.masterOf(shardId), pk, sk);
      return { pk, sk, shard: shardId, isDeleted: removed > 0 };
    });
  }

  /** One page of a partition, in sort-key order; strong (master) reads, since pages chain by cursor. */
  async queryItems(
    pk: string,
    query: PageQuery,
  ): Promise<{
    pk: string;
    shard: string;
    items: { sk: string; value: string }[];
    nextStartAfter: string | null;
  }> {
    return this.rebalancer.routed({ kind: 'pk', name: pk }, async (shardId) => {
      this.state.countOp(shardId);
      const fetched = await nodeStore.queryItems(
        this.masterOf(shardId),
        pk,
        lexBounds(query),
        query.order,
        query.limit + 1,
      );
      return { pk, shard: shardId, ...itemPage(fetched, query.limit) };
    });
  }

  private masterOf(shardId: string): RedisNode {
    return this.state.node(this.state.shard(shardId).master);
  }
}

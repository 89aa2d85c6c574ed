import type { RedisNode } from '@kvs-lab/shared/redis';

import { parseInfo, parseRole } from '../../domain/replication-lag.ts';
import type { RoleReport } from '../../domain/failover-rule.ts';
import type { LexBounds, SortOrder } from '../../domain/item-page.ts';
import { deleteItemScript, putItemScript, queryItemsScript } from '../../store/item-scripts.ts';
import { keys, redisKeysOf } from '../../store/keys.ts';
import type { RoutingKey } from '../../store/keys.ts';
import { AppError } from '../../errors.ts';

/** What INFO replication says about one node, as the monitor uses it. */
export interface ReplicationInfo {
  readonly report: RoleReport;
  readonly offset: number | undefined;
  readonly linkStatus: string | undefined;
}

/**
 * Redis access for one shard node. Every command goes through `node.run`, so
 * /chaos link faults apply and a dead node fails at once as 503.
 */
export const nodeStore = {
  get: (node: RedisNode, key: string) => node.run((c) => c.get(keys.kv(key))),

  set: (node: RedisNode, key: string, value: string) => node.run((c) => c.set(keys.kv(key), value)),

  /**
   * SET then WAIT on the same connection: WAIT counts replicas that acknowledged
   * this connection's writes, so it must follow the SET on the connection that
   * sent it. `waiter` is a client with a command timeout longer than WAIT's.
   */
  async setAndWait(
    node: RedisNode,
    waiter: RedisNode,
    key: string,
    value: string,
    waitMs: number,
  ): Promise<number> {
    const replies = await node.run(() =>
      waiter.client.pipeline().set(keys.kv(key), value).wait(1, waitMs).exec(),
    );
    const [setReply, waitReply] = replies ?? [];
    if (!setReply || setReply[0] || !waitReply) {
      throw new AppError('REDIS_UNAVAILABLE', `${node.name}: the write was refused.`, {
        extras: { node: node.name },
      });
    }
    // The SET was applied; only WAIT's answer can be missing.
    return waitReply[0] ? 0 : Number(waitReply[1]);
  },

  /** The master's replication offset now (ROLE: cheaper than INFO); undefined if it is not a master. */
  async masterOffset(node: RedisNode): Promise<number | undefined> {
    const role = parseRole(await node.run((c) => c.call('ROLE')));
    return role.role === 'master' ? role.offset : undefined;
  },

  del: (node: RedisNode, key: string) => node.run((c) => c.del(keys.kv(key))),

  /** Index and value in one script, which checks both keys' types before it writes either. */
  putItem: (node: RedisNode, pk: string, sk: string, value: string) =>
    node.run((c) => putItemScript.lua.run(c, [keys.itemIndex(pk), keys.itemValues(pk)], [sk, value])),

  getItem: (node: RedisNode, pk: string, sk: string) => node.run((c) => c.hget(keys.itemValues(pk), sk)),

  deleteItem: (node: RedisNode, pk: string, sk: string) =>
    node.run((c) => deleteItemScript.lua.run(c, [keys.itemIndex(pk), keys.itemValues(pk)], [sk])),

  /**
   * One page of sort keys (plus one to tell whether more follow) and their values, read by one script so
   * the page is a snapshot: an item deleted meanwhile is either wholly in it or wholly out.
   */
  queryItems(
    node: RedisNode,
    pk: string,
    bounds: LexBounds,
    order: SortOrder,
    count: number,
  ): Promise<{ sk: string; value: string }[]> {
    return node.run((c) =>
      queryItemsScript.lua.run(
        c,
        [keys.itemIndex(pk), keys.itemValues(pk)],
        [order, bounds.min, bounds.max, count],
      ),
    );
  },

  /**
   * Moves one routing key's data from one master to another: DUMP on the
   * source, RESTORE REPLACE on the target, then DEL on the source. The
   * router holds the key's lock, so no client write interleaves. Returns
   * whether there was anything to move.
   */
  async moveKey(from: RedisNode, to: RedisNode, routing: RoutingKey): Promise<boolean> {
    const redisKeys = redisKeysOf(routing);
    const dumps = await from.run(async (c) => Promise.all(redisKeys.map((k) => c.dumpBuffer(k))));
    if (dumps.every((d) => d === null)) return false;
    await to.run(async (c) => {
      const tx = c.multi();
      redisKeys.forEach((k, i) => {
        const dump = dumps[i];
        if (dump) tx.restore(k, 0, dump, 'REPLACE');
        else tx.del(k);
      });
      // The source copy is deleted next: only once the target has taken every key.
      return everyReplyOk(to, await tx.exec());
    });
    await from.run((c) => c.del(...redisKeys));
    return true;
  },

  /** Every routing key stored on a node (SCAN, so the node keeps serving meanwhile). */
  async scanRoutingKeys(node: RedisNode): Promise<RoutingKey[]> {
    const found: RoutingKey[] = [];
    for (const [pattern, toRouting] of [
      [keys.kvPattern, (k: string): RoutingKey => ({ kind: 'kv', name: keys.kvName(k) })],
      [keys.itemIndexPattern, (k: string): RoutingKey => ({ kind: 'pk', name: keys.partitionName(k) })],
    ] as const) {
      let cursor = '0';
      do {
        const [next, batch] = await node.run((c) => c.scan(cursor, 'MATCH', pattern, 'COUNT', 500));
        cursor = next;
        for (const k of batch) found.push(toRouting(k));
      } while (cursor !== '0');
    }
    return found;
  },

  dbsize: (node: RedisNode) => node.run((c) => c.dbsize()),

  async replicationInfo(node: RedisNode): Promise<ReplicationInfo> {
    return toReplicationInfo(await node.run((c) => c.info('replication')));
  },

  /** The shard's failover epoch as this node holds it (0 when it never saw one). */
  async failoverEpoch(node: RedisNode): Promise<number> {
    return Number((await node.run((c) => c.get(keys.failoverEpoch))) ?? 0);
  },

  /** Raises a master's failover epoch by one; replicated to its replica like any write. */
  bumpFailoverEpoch: (node: RedisNode) => node.run((c) => c.incr(keys.failoverEpoch)),

  promote: (node: RedisNode) => node.run((c) => c.replicaof('NO', 'ONE')),

  follow: (node: RedisNode, master: { host: string; port: number }) =>
    node.run((c) => c.replicaof(master.host, master.port)),
};

/**
 * A MULTI's replies, once each is known to have succeeded. Redis runs the rest of a transaction after a
 * command fails at run time (WRONGTYPE on a key an outsider rewrote), and EXEC still succeeds: without this,
 * a write half applied would be acknowledged, or a key deleted from its source before its copy landed.
 */
function everyReplyOk<T>(node: RedisNode, replies: [error: Error | null, result: T][] | null): T[] {
  if (!replies) {
    throw new AppError('REDIS_UNAVAILABLE', `${node.name}: the transaction was not run.`, {
      extras: { node: node.name },
    });
  }
  for (const [error] of replies) if (error) throw error;
  return replies.map(([, result]) => result);
}

function toReplicationInfo(text: string): ReplicationInfo {
  const fields = parseInfo(text);
  const isMaster = fields.role === 'master';
  const offset = Number(isMaster ? fields.master_repl_offset : fields.slave_repl_offset);
  return {
    report: isMaster
      ? { isReachable: true, role: 'master' }
      : { isReachable: true, role: 'replica', following: `${fields.master_host}:${fields.master_port}` },
    offset: Number.isFinite(offset) && offset >= 0 ? offset : undefined,
    linkStatus: fields.master_link_status,
  };
}

import type { Config } from '../../config.ts';
import { itemPage, lexBounds } from '../../domain/item-page.ts';
import type { PageQuery } from '../../domain/item-page.ts';
import type { ItemPage } from '../../shard-store.ts';
import { deleteItemScript, putItemScript, queryItemsScript } from '../../store/item-scripts.ts';
import { keys } from '../../store/keys.ts';
import { AppError } from '../../errors.ts';
import type { ClusterWatch } from './cluster-watch.ts';

/**
 * PK/SK items on Redis Cluster: a partition's two keys carry the hash tag `{pk}`, so they sit in one slot
 * on one master and each write or page is one script there. Without the tag (ITEM_HASH_TAGS=false) the
 * keys split over two slots and the cluster refuses the script with CROSSSLOT.
 */
export class ClusterItems {
  private readonly watch: ClusterWatch;
  private readonly isHashTagged: boolean;

  constructor(watch: ClusterWatch, config: Pick<Config, 'isItemHashTagged'>) {
    this.watch = watch;
    this.isHashTagged = config.isItemHashTagged;
  }

  private keysOf(pk: string): [string, string] {
    return this.isHashTagged
      ? [keys.clusterItemIndex(pk), keys.clusterItemValues(pk)]
      : [keys.untaggedItemIndex(pk), keys.untaggedItemValues(pk)];
  }

  async putItem(pk: string, sk: string, value: string) {
    const { address } = await this.watch.router.runScript(putItemScript, this.keysOf(pk), [sk, value]);
    return { pk, sk, shard: this.watch.countOp(address) };
  }

  async getItem(pk: string, sk: string) {
    const [, values] = this.keysOf(pk);
    const { reply, address } = await this.watch.router.send<string | null>(values, 'master', (p) =>
      p.hget(values, sk),
    );
    const shard = this.watch.countOp(address);
    if (reply === null)
      throw new AppError('ITEM_NOT_FOUND', `No item ${pk}/${sk}.`, { extras: { pk, sk, shard } });
    return { pk, sk, value: reply, shard };
  }

  async deleteItem(pk: string, sk: string) {
    const { reply, address } = await this.watch.router.runScript(deleteItemScript, this.keysOf(pk), [sk]);
    return { pk, sk, shard: this.watch.countOp(address), isDeleted: reply > 0 };
  }

  async queryItems(pk: string, query: PageQuery): Promise<ItemPage> {
    const bounds = lexBounds(query);
    const { reply: fetched, address } = await this.watch.router.runScript(queryItemsScript, this.keysOf(pk), [
      query.order,
      bounds.min,
      bounds.max,
      query.limit + 1,
    ]);
    return { pk, shard: this.watch.countOp(address), ...itemPage(fetched, query.limit) };
  }
}

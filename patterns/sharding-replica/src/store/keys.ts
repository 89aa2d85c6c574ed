/**
 * Every Redis key of this pattern. A plain key/value pair is one string; a
 * partition of PK/SK items is a sorted set of its sort keys (all score 0, so
 * ordered by bytes) beside a hash of sort key -> value. Both live on the
 * shard that owns the partition key, so a query never crosses shards.
 */
const prefix = 'lab:sharding-replica';

export const keys = {
  kv: (key: string) => `${prefix}:kv:${key}`,
  itemIndex: (pk: string) => `${prefix}:items:${pk}`,
  itemValues: (pk: string) => `${prefix}:item-values:${pk}`,
  /**
   * On Redis Cluster a partition's two keys carry the hash tag `{pk}`: only the tag is hashed, so both
   * land in one slot, on one master, and one script reads or writes them together.
   */
  clusterItemIndex: (pk: string) => `${prefix}:items:{${pk}}`,
  clusterItemValues: (pk: string) => `${prefix}:item-values:{${pk}}`,
  /** The same partition without the tag: two slots, as a lesson in CROSSSLOT (ITEM_HASH_TAGS=false). */
  untaggedItemIndex: (pk: string) => `${prefix}:items:${pk}`,
  untaggedItemValues: (pk: string) => `${prefix}:item-values:${pk}`,
  /**
   * The shard's failover epoch, on its master: raised at each promotion and after each resync, so a node
   * restarted from an older snapshot holds a lower one and loses to the current master.
   */
  failoverEpoch: `${prefix}:meta:failover-epoch`,
  /** SCAN patterns for a rebalance; the API's key alphabet has no glob characters. */
  kvPattern: `${prefix}:kv:*`,
  itemIndexPattern: `${prefix}:items:*`,
  /** The reverse of kv() / itemIndex(), for keys found by SCAN. */
  kvName: (redisKey: string) => redisKey.slice(`${prefix}:kv:`.length),
  partitionName: (redisKey: string) => redisKey.slice(`${prefix}:items:`.length),
} as const;

/** What the ring hashes and what moves as one unit in a rebalance: a kv key or a whole partition. */
export type RoutingKey =
  { readonly kind: 'kv'; readonly name: string } | { readonly kind: 'pk'; readonly name: string };

/** The Redis keys that hold one routing key's data. */
export function redisKeysOf(routing: RoutingKey): string[] {
  return routing.kind === 'kv'
    ? [keys.kv(routing.name)]
    : [keys.itemIndex(routing.name), keys.itemValues(routing.name)];
}

/** A stable id for locks and the moved set: a kv key and a partition of the same name are different units. */
export function routingId(routing: RoutingKey): string {
  return `${routing.kind}:${routing.name}`;
}

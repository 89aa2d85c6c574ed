/**
 * Every etcd key of coordinator-ring's etcd engine, under one namespace so
 * that the ring shares an etcd cluster with other patterns safely.
 */
const election = 'leader';

export const etcdKeys = {
  prefix: 'lab/coordinator-ring/',
  /** The election's name: the etcd3 client keeps candidates under `election/<name>/<lease id>`. */
  election,
  electionPrefix: `election/${election}/`,
  /** `members/<id>` -> id, bound to the instance's lease: present while the instance is alive. */
  memberPrefix: 'members/',
  member: (id: string) => `members/${id}`,
  /** `kv/<key>` -> JSON { value, clock }: value null is a tombstone, kept so the clock chain goes on. */
  kv: (key: string) => `kv/${key}`,
} as const;

import { Etcd3 } from 'etcd3';
import type { Watcher } from 'etcd3';
import type { History } from '@kvs-lab/shared/history';
import type { LockConfig } from '../../config.ts';
import type { Clock, LockEngine, TraceMessages } from '../../lock-backend.ts';
import type { LiveEmit } from '../../realtime/events.ts';
import { recordHeard } from '../../heard-elsewhere.ts';
import { EtcdLockBackend } from './etcd-lock-backend.ts';
import { etcdKeys, parseContender } from './etcd-keys.ts';

/** etcd as the lock engine: leases, revisions and watches from a Raft-replicated store. */
export async function createEtcdEngine(deps: {
  config: LockConfig;
  clock: Clock;
  newId: () => string;
  emit: LiveEmit;
  trace: TraceMessages;
  history: History;
}): Promise<LockEngine> {
  const { config, history } = deps;
  const client = new Etcd3({ hosts: [...config.etcdEndpoints], dialTimeout: config.etcdCallTimeoutMs });
  const backend = new EtcdLockBackend({
    client,
    config,
    clock: deps.clock,
    newId: deps.newId,
    emit: deps.emit,
    trace: deps.trace,
  });

  // One watch over every contender key: deletes wake the waiter behind that key (the recipe), and the
  // markers a release or extend through another instance writes move the leases granted here.
  let watcher: Watcher | undefined;
  const startWatch = async () => {
    watcher = await client.watch().prefix(etcdKeys.all).create();
    watcher.on('delete', (kv) => backend.deleted(kv.key.toString()));
    watcher.on('put', (kv) => {
      const heard = backend.heardMarker(kv.key.toString(), parseContender(kv.value));
      if (heard) recordHeard(history, heard);
    });
    watcher.on('error', () => undefined);
  };
  // Without the watch waiters still poll; it is only a shortcut, so a cluster down at start-up is no reason to fail.
  await startWatch().catch(() => undefined);

  return {
    backend,
    description:
      `etcd (${config.etcdEndpoints.length} members, Raft): a lease per holder, the FIFO queue of the etcd lock recipe, ` +
      "and the lock key's create revision as the fencing token",
    readiness: [
      {
        name: 'etcd',
        check: async () => {
          await client.maintenance.status({ deadline: Date.now() + config.etcdCallTimeoutMs });
          // A member answering status is not a quorum: a linearizable read needs the leader.
          await client.kv.range(
            { key: Buffer.from('lab/distributed-lock/ready') },
            { deadline: Date.now() + config.etcdCallTimeoutMs },
          );
        },
      },
    ],
    links: [],
    faults: [],
    nodeStatus: () => backend.nodeFigures().map((n) => ({ node: n.node, isUp: n.isUp })),
    close: async () => {
      backend.close();
      await watcher?.cancel().catch(() => undefined);
      client.close();
    },
  };
}

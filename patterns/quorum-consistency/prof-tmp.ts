import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { startRedisCluster } from '@kvs-lab/shared/testing';
import { emptyClock } from '@kvs-lab/shared/vector-clock';
import { HintedHandoff } from './src/hinted-handoff.ts';
import { QuorumService } from './src/quorum-service.ts';
import { ReplicaStore } from './src/store/replica-store.ts';
const redis = await startRedisCluster(['replica-1', 'replica-2', 'replica-3']);
const nodes = await connectRedisNodes(
  redis.map((h, i) => ({ name: `replica-${i + 1}`, url: h.url, host: h.host, port: h.port })),
);
const stores = nodes.map((n) => new ReplicaStore(n));
const settings = {
  w: 2,
  r: 2,
  conflictPolicy: 'vector-clock' as const,
  sloppyQuorum: false,
  hintedHandoff: true,
  readRepair: true,
};
const emit = () => undefined;
const q = new QuorumService(stores, {
  actor: 'quorum-a',
  settings,
  maxClockEntries: 10,
  now: Date.now,
  random: Math.random,
  handoff: new HintedHandoff(stores, () => settings, emit),
  emit,
});
await q.write({ key: 'bench', value: 'value', context: emptyClock(), requestId: 'x' });
const run = async (name: string, op: () => Promise<unknown>) => {
  const t0 = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (performance.now() - t0 < 3000) {
        await op();
        n++;
      }
    }),
  );
  console.log(name, Math.round(n / 3), 'ops/s');
};
await run('raw hgetall x1', () => nodes[0]!.run((c) => c.hgetall('lab:quorum-consistency:versions:bench')));
await run('quorum read R=2', () => q.read({ key: 'bench', requestId: 'x' }));
await run('raw set x1', () => nodes[0]!.run((c) => c.set('x', 'y')));
await run('quorum write W=2', () =>
  q.write({ key: 'bench', value: 'value', context: emptyClock(), requestId: 'x' }),
);
await Promise.all(nodes.map((n) => n.close()));
await Promise.all(redis.map((r) => r.stop()));
process.exit(0);

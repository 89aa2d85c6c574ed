import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { removeTempDirs, tempDataDir } from './support/bloom-sstable-lab.ts';
import type { NodeProcess } from './support/node-process.ts';
import { startNodeProcess } from './support/node-process.ts';

type Op = { kind: 'put'; value: string } | { kind: 'delete' };
interface Acked {
  readonly op: Op;
  readonly seq: number;
}

const keyCount = 60;

// One suite, run per engine: the hand-made LSM and LevelDB must keep the same promise.
describe.each([
  { engine: 'lsm', rounds: 3 },
  { engine: 'leveldb', rounds: 2 },
])(
  'crash safety of $engine under FSYNC=always (kill -9 during writes, flushes and compactions)',
  ({ engine, rounds }) => {
    let redis: RedisHandle;
    let node: NodeProcess | undefined;

    beforeAll(async () => {
      redis = await startRedis({ name: `lsm-crash-${engine}` });
    });

    afterAll(async () => {
      await node?.kill();
      await stopAllRedis();
      removeTempDirs();
    });

    it('when the process is SIGKILLed repeatedly mid-load and restarted, then every acknowledged write is there and no deleted key comes back', async () => {
      const dir = tempDataDir(`crash-${engine}`);
      node = await startNodeProcess({
        ENGINE: engine,
        DATA_DIR: dir,
        FSYNC: 'always',
        // Tiny memtable and L0 trigger: flushes and compactions run all the time, so kills land inside them.
        MEMTABLE_BYTES: '4096',
        TARGET_FILE_BYTES: '4096',
        L0_COMPACTION_TRIGGER: '2',
        L0_SLOWDOWN_TRIGGER: '6',
        L0_STOP_TRIGGER: '10',
        L1_MAX_BYTES: '16384',
        REDIS_NODES: `lsm-cache=${redis.url}`,
      });
      const acked = new Map<string, Acked>();
      const inFlight = new Map<string, Op[]>();
      let counter = 0;

      for (let round = 0; round < rounds; round++) {
        const target = node;
        let acknowledged = 0;
        let isRunning = true;
        const worker = async (w: number): Promise<void> => {
          while (isRunning) {
            const n = counter++;
            const key = `k${(n * 7 + w) % keyCount}`;
            const op: Op =
              n % 5 === 4 ? { kind: 'delete' } : { kind: 'put', value: `v${n}-${'x'.repeat(n % 200)}` };
            const pending = inFlight.get(key) ?? [];
            pending.push(op);
            inFlight.set(key, pending);
            try {
              const res = await fetch(`${target.url}/kv/${key}`, {
                method: op.kind === 'put' ? 'PUT' : 'DELETE',
                headers: { 'content-type': 'application/json' },
                ...(op.kind === 'put' ? { body: JSON.stringify({ value: op.value }) } : {}),
              });
              if (res.status !== 200) throw new Error(`status ${res.status}`);
              const { seq } = (await res.json()) as { seq: number };
              const previous = acked.get(key);
              if (!previous || previous.seq < seq) acked.set(key, { op, seq });
              pending.splice(pending.indexOf(op), 1);
              acknowledged += 1;
            } catch {
              // Killed mid-request: the write may or may not be durable; it stays in `inFlight`.
              return;
            }
          }
        };
        const workers = Array.from({ length: 6 }, (_, w) => worker(w));
        const deadline = Date.now() + 20_000;
        while (acknowledged < 80 + round * 20 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        await node.kill();
        isRunning = false;
        await Promise.all(workers);
        expect(acknowledged).toBeGreaterThan(0);
        await node.restart();

        for (let k = 0; k < keyCount; k++) {
          const key = `k${k}`;
          const expected = acked.get(key);
          const maybe = inFlight.get(key) ?? [];
          const res = await fetch(`${node.url}/kv/${key}`);
          if (res.status === 200) {
            const body = (await res.json()) as { value: string; seq: number };
            const isAckedValue =
              expected?.op.kind === 'put' && body.seq === expected.seq && body.value === expected.op.value;
            const isNewerInFlight =
              body.seq > (expected?.seq ?? 0) &&
              maybe.some((o) => o.kind === 'put' && o.value === body.value);
            expect(
              isAckedValue || isNewerInFlight,
              `${key}: read seq ${body.seq}, acknowledged ${JSON.stringify(expected)}`,
            ).toBe(true);
          } else {
            expect(res.status).toBe(404);
            const isDeleted =
              expected === undefined ||
              expected.op.kind === 'delete' ||
              maybe.some((o) => o.kind === 'delete');
            expect(isDeleted, `${key}: missing, acknowledged ${JSON.stringify(expected)}`).toBe(true);
          }
        }
        // What was in flight is now settled one way or the other; the next round starts from the store's state.
        for (let k = 0; k < keyCount; k++) {
          const key = `k${k}`;
          const res = await fetch(`${node.url}/kv/${key}`);
          if (res.status === 200) {
            const body = (await res.json()) as { value: string; seq: number };
            acked.set(key, { op: { kind: 'put', value: body.value }, seq: body.seq });
          } else {
            const previous = acked.get(key);
            acked.set(key, { op: { kind: 'delete' }, seq: previous?.seq ?? 0 });
          }
        }
        inFlight.clear();
      }
      const stats = (await (await fetch(`${node.url}/stats`)).json()) as {
        wal: { fsync: string };
        lastSeq: number;
      };
      expect(stats.wal.fsync).toMatch(/^always/);
      expect(stats.lastSeq).toBeGreaterThan(80 * rounds);
    }, 120_000);
  },
);

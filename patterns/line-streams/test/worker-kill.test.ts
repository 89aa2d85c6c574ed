import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceProcess } from '@kvs-lab/shared/lab';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { LineStreamsApp } from '../src/app.ts';
import { compareStreamIds } from '../src/domain/stream-id.ts';
import { keys } from '../src/store/keys.ts';
import { startInstance, waitFor } from './support/line-streams-lab.ts';
import { workerProcess } from './support/worker-process.ts';

const total = 5_000;
const rooms = ['kitchen', 'garden', 'office', 'attic'];
const members = ['alice', 'bob', 'carol'];
const workerEnv = {
  CLAIM_MIN_IDLE_MS: '500',
  CLAIM_INTERVAL_MS: '200',
  READ_BLOCK_MS: '100',
  MAX_DELIVERIES: '100',
  INBOX_MAX_LEN: '20000',
};

describe('no acknowledged message is lost while workers are killed (real processes)', () => {
  let redis: RedisHandle;
  let raw: Redis;
  let api: LineStreamsApp;
  let baseUrl: string;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis({ name: 'line-kill', appendOnly: true });
    raw = new Redis(redis.port, redis.host);
    api = await startInstance(redis, { RATE_LIMIT: 0, INBOX_MAX_LEN: 20_000 });
    const address = await api.service.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${address.port}`;
    for (const name of ['worker-1', 'worker-2'])
      workers.push(await workerProcess(name, redis.url, workerEnv));
    await Promise.all(workers.map((w) => w.start()));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    raw?.disconnect();
    await api?.service.close();
    await stopAllRedis();
  });

  it('when 5,000 messages are sent while a worker is SIGKILLed and restarted every few seconds, then every member gets each exactly once, in room order, and the PEL drains', async () => {
    for (const room of rooms) {
      const r = await fetch(`${baseUrl}/rooms/${room}/members`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ members }),
      });
      expect(r.status).toBe(200);
    }
    const sent = new Map<string, { id: string; senderId: string }[]>(rooms.map((r) => [r, []]));
    let next = 0;
    let isSending = true;
    // Four clients; each room's order is the order of its stream ids, whoever sent first.
    const send = async () => {
      while (next < total) {
        const i = next++;
        const room = rooms[i % rooms.length] ?? 'kitchen';
        const senderId = members[i % members.length] ?? 'alice';
        // A 504 is indeterminate (it may be stored): the client retries with the same clientMsgId,
        // and dedup makes the retry answer the first id instead of storing it twice.
        let id: string | undefined;
        while (id === undefined) {
          const r = await fetch(`${baseUrl}/rooms/${room}/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ senderId, text: `m${i}`, clientMsgId: `m${i}` }),
          });
          if (r.status === 201 || r.status === 200) id = ((await r.json()) as { id: string }).id;
          else expect([503, 504]).toContain(r.status);
        }
        sent.get(room)?.push({ id, senderId });
        // Paced, so the kills land while traffic flows.
        if (i % 25 === 0) await sleep(20);
      }
    };
    const holds = async (consumer: string): Promise<boolean> => {
      const summaries = (await Promise.all(
        rooms.map((room) => raw.xpending(keys.stream(room), 'delivery')),
      )) as [number, string | null, string | null, [string, string][] | null][];
      return summaries.some((summary) =>
        (summary[3] ?? []).some(([name, count]) => name === consumer && Number(count) > 0),
      );
    };
    // A worker applies and acks a batch within milliseconds, so a kill at a random moment often strands
    // nothing. Freeze it first (SIGSTOP: it can neither apply nor ack) and look at its PEL: kill it only
    // frozen with entries in hand, else let it run a moment and look again.
    const freezeHoldingEntries = async (victim: ServiceProcess, consumer: string, withinMs: number) => {
      const until = Date.now() + withinMs;
      while (Date.now() < until) {
        victim.pause();
        if (await holds(consumer)) return;
        victim.resume();
        await sleep(5);
      }
    };
    const senders = Promise.all([send(), send(), send(), send()]).finally(() => (isSending = false));
    let kills = 0;
    while (isSending || kills < 3) {
      await sleep(1_500);
      const victimName = ['worker-1', 'worker-2'][kills % workers.length] ?? 'worker-1';
      const victim = workers[kills % workers.length];
      if (!victim) break;
      // Kill it holding entries, so the kill strands some in its PEL and the other worker has to claim them.
      await freezeHoldingEntries(victim, victimName, isSending ? 1_500 : 0);
      await victim.kill();
      kills += 1;
      await victim.start();
    }
    await senders;

    // Faults have stopped: both workers run. The PEL must drain and every delivery land.
    const expected = (user: string) => [...sent.values()].flat().filter((m) => m.senderId !== user).length;
    await waitFor(
      'every inbox complete and the PEL empty',
      async () => {
        const lengths = await Promise.all(members.map((u) => raw.llen(keys.inbox(u))));
        const pending = (
          await Promise.all(rooms.map((r) => raw.xpending(keys.stream(r), 'delivery')))
        ).reduce((sum, p) => sum + Number(p[0]), 0);
        return { lengths, pending };
      },
      ({ lengths, pending }) => pending === 0 && lengths.every((n, i) => n >= expected(members[i] ?? '')),
      10_000,
    );

    for (const user of members) {
      const inbox = (await raw.lrange(keys.inbox(user), 0, -1))
        .reverse()
        .map((j) => JSON.parse(j) as { room: string; id: string });
      expect(inbox.length).toBe(expected(user));
      for (const room of rooms) {
        const want = (sent.get(room) ?? []).filter((m) => m.senderId !== user).map((m) => m.id);
        // Stream order is id order; the inbox must hold exactly those ids, each once, in that order.
        want.sort(compareStreamIds);
        expect(inbox.filter((m) => m.room === room).map((m) => m.id)).toEqual(want);
      }
    }
    const counters = await raw.hgetall(keys.counters);
    // Redeliveries happened (the kills left entries pending) and the effect stayed exactly once.
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(Number(counters.claimed ?? 0)).toBeGreaterThan(0);
    expect(Number(counters.applied)).toBe(total);
    expect(await raw.xlen(keys.deadLetters)).toBe(0);
    const check = (await (await fetch(`${baseUrl}/check`)).json()) as { valid: boolean; summary: string };
    expect(check.valid, check.summary).toBe(true);
  }, 180_000);
});

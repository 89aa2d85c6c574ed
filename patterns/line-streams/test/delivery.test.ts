import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { LineStreamsApp } from '../src/app.ts';
import { keys } from '../src/store/keys.ts';
import { startInstance, waitFor } from './support/line-streams-lab.ts';

type InboxMessage = { room: string; id: string; text: string };

/** A user's inbox, oldest first. */
async function inboxOf(raw: Redis, user: string): Promise<InboxMessage[]> {
  return (await raw.lrange(keys.inbox(user), 0, -1)).reverse().map((j) => JSON.parse(j) as InboxMessage);
}

describe('delivery: order, crash before ack, poison and dead letters', () => {
  let redis: RedisHandle;
  let raw: Redis;
  const apps: LineStreamsApp[] = [];
  const start = async (
    ...args: Parameters<typeof startInstance> extends [unknown, ...infer R] ? R : never
  ) => {
    const app = await startInstance(redis, ...args);
    apps.push(app);
    return app;
  };
  const stopAll = async () => {
    for (const app of apps.splice(0)) await app.service.close();
  };
  const pendingCount = async (server: LineStreamsApp['service']['server']) =>
    ((await request(server).get('/groups')).body as { group: string; pending: number }[]).find(
      (g) => g.group === 'delivery',
    )?.pending ?? -1;

  beforeAll(async () => {
    redis = await startRedis({ name: 'line-delivery' });
    raw = new Redis(redis.port, redis.host);
  });
  afterAll(async () => {
    raw.disconnect();
    await stopAll();
    await stopAllRedis();
  });

  it('when two workers share the group, then each inbox gets every room message once, in room order, and the PEL drains', async () => {
    await raw.flushall();
    const api = (await start({ RATE_LIMIT: 0 })).service.server;
    const rooms = ['r1', 'r2', 'r3'];
    for (const room of rooms) {
      await request(api)
        .put(`/rooms/${room}/members`)
        .send({ members: ['alice', 'bob', 'carol'] });
    }
    await start({ ROLE: 'worker', SERVICE_NAME: 'worker-1', READ_COUNT: 7 });
    await start({ ROLE: 'worker', SERVICE_NAME: 'worker-2', READ_COUNT: 7 });
    const sent: Record<string, string[]> = { r1: [], r2: [], r3: [] };
    for (let i = 0; i < 150; i += 1) {
      const room = rooms[i % 3] ?? 'r1';
      const r = await request(api)
        .post(`/rooms/${room}/messages`)
        .send({ senderId: 'alice', text: `m${i}` });
      sent[room]?.push(r.body.id as string);
    }
    await waitFor(
      'bob and carol to get 150 messages',
      async () => (await inboxOf(raw, 'carol')).length,
      (n) => n >= 150,
    );
    await waitFor(
      'the PEL to drain',
      () => pendingCount(api),
      (n) => n === 0,
      10_000,
    );
    for (const user of ['bob', 'carol']) {
      const inbox = await inboxOf(raw, user);
      for (const room of rooms)
        expect(inbox.filter((m) => m.room === room).map((m) => m.id)).toEqual(sent[room]);
    }
    // The sender does not get her own messages.
    expect(await raw.llen(keys.inbox('alice'))).toBe(0);
    expect(await raw.get(keys.unread('bob'))).toBe('150');
    const check = await request(api).get('/check');
    expect(check.body).toMatchObject({ valid: true, details: { sends: 150, delivered: 300, inFlight: 0 } });
    await stopAll();
  });

  it('when a worker crashes after applying effects but before acking, then the other claims its entries and the effect is applied once', async () => {
    await raw.flushall();
    const api = (await start({ RATE_LIMIT: 0 })).service.server;
    await request(api)
      .put('/rooms/crash/members')
      .send({ members: ['alice', 'bob'] });
    let crashed = false;
    const w1 = await start(
      { ROLE: 'worker', SERVICE_NAME: 'worker-1', READ_COUNT: 50 },
      () => (crashed = true),
    );
    const inject = await request(w1.service.server)
      .post('/chaos/faults/crash-before-ack')
      .send({ afterEffects: 3 });
    expect(inject.status).toBe(200);
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      ids.push(
        (
          await request(api)
            .post('/rooms/crash/messages')
            .send({ senderId: 'alice', text: `c${i}` })
        ).body.id,
      );
    }
    await waitFor(
      'worker-1 to crash',
      () => crashed,
      (c) => c,
    );
    // Its three effects are in the inboxes, and its whole batch is still pending under its name.
    const pending = (await request(api).get('/groups/delivery/pending')).body as {
      consumer: string;
      id: string;
    }[];
    expect(pending.filter((p) => p.consumer === 'worker-1').length).toBeGreaterThanOrEqual(3);
    expect(await raw.llen(keys.inbox('bob'))).toBe(3);

    await start({ ROLE: 'worker', SERVICE_NAME: 'worker-2' });
    await waitFor(
      'bob to get all 20',
      () => raw.llen(keys.inbox('bob')),
      (n) => n >= 20,
    );
    await waitFor(
      'the PEL to drain',
      () => pendingCount(api),
      (n) => n === 0,
      10_000,
    );
    expect((await inboxOf(raw, 'bob')).map((m) => m.id)).toEqual(ids);
    const counters = (await request(api).get('/stats')).body.counters as Record<string, number>;
    // The three applied-but-unacked entries came back and were recognised.
    expect(counters.duplicatesSkipped).toBeGreaterThanOrEqual(3);
    expect(counters.claimed).toBeGreaterThanOrEqual(3);
    expect((await request(api).get('/check')).body.valid).toBe(true);
    await stopAll();
  });

  it('when a learner acks a delivery entry by hand before its effect, then the next delivery dead-letters it as acked-unapplied instead of stalling the room', async () => {
    await raw.flushall();
    const api = (await start({ RATE_LIMIT: 0 })).service.server;
    await request(api)
      .put('/rooms/skip/members')
      .send({ members: ['alice', 'bob'] });
    const send = async (text: string) =>
      (await request(api).post('/rooms/skip/messages').send({ senderId: 'alice', text })).body.id as string;
    const skipped = await send('taken by hand');
    const kept = await send('kept');
    const read = await request(api).post('/groups/delivery/consumers/learner/read').send({ count: 1 });
    expect((read.body as { id: string }[]).map((m) => m.id)).toEqual([skipped]);
    await request(api)
      .post('/groups/delivery/ack')
      .send({ room: 'skip', ids: [skipped] })
      .expect(200);

    await start({ ROLE: 'worker', SERVICE_NAME: 'worker-1' });
    await waitFor(
      '"kept" in the inbox',
      () => raw.llen(keys.inbox('bob')),
      (n) => n >= 1,
    );
    expect((await inboxOf(raw, 'bob')).map((m) => m.id)).toEqual([kept]);
    const dead = (await request(api).get('/dead-letters')).body as { originalId: string; reason: string }[];
    expect(dead).toEqual([expect.objectContaining({ originalId: skipped, reason: 'acked-unapplied' })]);
    expect((await request(api).get('/check')).body.valid).toBe(true);
    await stopAll();
  });

  it('when a message is poison, then after maxDeliveries it is dead-lettered, the room moves on, and a replay after the fix delivers it', async () => {
    await raw.flushall();
    const api = (await start({ RATE_LIMIT: 0 })).service.server;
    await request(api)
      .put('/rooms/p/members')
      .send({ members: ['alice', 'bob'] });
    const workers = [
      await start({ ROLE: 'worker', SERVICE_NAME: 'worker-1', MAX_DELIVERIES: 2 }),
      await start({ ROLE: 'worker', SERVICE_NAME: 'worker-2', MAX_DELIVERIES: 2 }),
    ];
    for (const w of workers) {
      await request(w.service.server)
        .post('/chaos/faults/poison')
        .send({ textContains: 'POISON' })
        .expect(200);
    }
    const send = async (text: string) =>
      (await request(api).post('/rooms/p/messages').send({ senderId: 'alice', text })).body.id as string;
    const before = await send('before');
    const poison = await send('a POISON pill');
    const after = await send('after');

    const dead = await waitFor(
      'the poison message in the dead letters',
      async () =>
        (await request(api).get('/dead-letters')).body as {
          originalId: string;
          deliveries: number;
          reason: string;
          deadLetterId: string;
        }[],
      (list) => list.length > 0,
    );
    expect(dead[0]).toMatchObject({ originalId: poison, reason: 'max-deliveries' });
    expect(dead[0]?.deliveries).toBeGreaterThan(2);
    await waitFor(
      '"after" to be delivered',
      () => raw.llen(keys.inbox('bob')),
      (n) => n >= 2,
    );
    expect((await inboxOf(raw, 'bob')).map((m) => m.id)).toEqual([before, after]);

    for (const w of workers) await request(w.service.server).delete('/chaos/faults/poison').expect(200);
    const replay = await request(api).post(`/dead-letters/${dead[0]?.deadLetterId}/replay`);
    expect(replay.status).toBe(201);
    await waitFor(
      'the replayed message in the inbox',
      () => raw.llen(keys.inbox('bob')),
      (n) => n >= 3,
    );
    const inbox = await inboxOf(raw, 'bob');
    expect(inbox[2]).toMatchObject({ id: replay.body.id, text: 'a POISON pill', replayOf: poison });
    expect((await request(api).get('/dead-letters')).body).toEqual([]);
    expect((await request(api).post(`/dead-letters/${dead[0]?.deadLetterId}/replay`)).status).toBe(404);
    expect((await request(api).get('/check')).body.valid).toBe(true);
    await stopAll();
  });

  it.each([
    ['of one room', 'whole run of it', 'message', ['backlog'], 60],
    [
      'spread over several rooms',
      'whole batch',
      'room',
      ['spread-1', 'spread-2', 'spread-3', 'spread-4', 'spread-5'],
      10,
    ],
  ] as const)(
    'when a worker finds a backlog %s, then one script call applies the %s, not one call per %s',
    async (_backlog, _unit, _notPer, rooms, perRoom) => {
      await stopAll();
      await raw.flushall();
      const api = (await start({ RATE_LIMIT: 0 })).service.server;
      for (const room of rooms) {
        await request(api)
          .put(`/rooms/${room}/members`)
          .send({ members: ['alice', 'bob'] });
      }
      const total = rooms.length * perRoom;
      const sent = new Map<string, string[]>(rooms.map((room) => [room, []]));
      for (let i = 0; i < total; i += 1) {
        const room = rooms[i % rooms.length] ?? '';
        await request(api)
          .post(`/rooms/${room}/messages`)
          .send({ senderId: 'alice', text: `m${i}` });
        sent.get(room)?.push(`m${i}`);
      }
      await raw.config('RESETSTAT');
      await start({ ROLE: 'worker', SERVICE_NAME: 'worker-1', READ_COUNT: 100 });
      await waitFor(
        'the backlog delivered',
        () => raw.llen(keys.inbox('bob')),
        (n) => n === total,
      );
      const stats = await raw.info('commandstats');
      const scriptCalls = Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0);
      const evalCalls = Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0);
      expect(scriptCalls + evalCalls).toBeGreaterThanOrEqual(1);
      // One read, one batch: one deliver.lua and one ack.lua call, each reloaded once if Redis had not seen it
      // (NOSCRIPT, then EVAL). One call per message or per room would be 2 x 60 or 2 x 5.
      expect(scriptCalls + evalCalls).toBeLessThanOrEqual(4);
      // Each room's messages, each once and in the order they were sent.
      const inbox = await inboxOf(raw, 'bob');
      for (const room of rooms)
        expect(inbox.filter((m) => m.room === room).map((m) => m.text)).toEqual(sent.get(room));
      await stopAll();
    },
  );

  it.each([
    [
      'its members key is not a set',
      'failed',
      async () => {
        await raw.del(keys.members('broken'));
        await raw.set(keys.members('broken'), 'not a set');
      },
      async () => {
        // In one MULTI: between a DEL and a SADD the worker would find no members and apply to nobody.
        await raw
          .multi()
          .del(keys.members('broken'))
          .sadd(keys.members('broken'), 'alice', 'bob', 'erin')
          .exec();
      },
    ],
    [
      'the inbox of its one own member is not a list',
      'roomErrors',
      () => raw.set(keys.inbox('erin'), 'not a list'),
      () => raw.del(keys.inbox('erin')),
    ],
  ] as const)(
    // A members key fails that room's effects inside the script (counted as failed); an inbox makes the script
    // refuse the batch, and the worker retries it room by room (counted as roomErrors).
    'when one room of a batch is broken because %s, then the other rooms are delivered once and in order, the broken room waits in the PEL, and after the fix it is delivered once too',
    async (_broken, outcome, breakRoom, fix) => {
      await stopAll();
      await raw.flushall();
      const api = (await start({ RATE_LIMIT: 0 })).service.server;
      const rooms = ['good-1', 'broken', 'good-2'];
      for (const room of rooms) {
        await request(api)
          .put(`/rooms/${room}/members`)
          .send({ members: room === 'broken' ? ['alice', 'bob', 'erin'] : ['alice', 'bob'] });
      }
      const sent = new Map<string, string[]>(rooms.map((room) => [room, []]));
      for (let i = 0; i < 15; i += 1) {
        const room = rooms[i % rooms.length] ?? '';
        const r = await request(api)
          .post(`/rooms/${room}/messages`)
          .send({ senderId: 'alice', text: `m${i}` });
        sent.get(room)?.push(r.body.id as string);
      }
      await breakRoom();
      // One worker reading everything at once: every batch holds the broken room beside the good ones.
      // MAX_DELIVERIES is high so the broken room's entries stay pending (redelivered, claimed) until the fix.
      const worker = await start({
        ROLE: 'worker',
        SERVICE_NAME: 'worker-1',
        READ_COUNT: 100,
        MAX_DELIVERIES: 1000,
      });
      const stats = () => worker.worker?.stats;
      const inRoom = (inbox: InboxMessage[], room: string) =>
        inbox.filter((m) => m.room === room).map((m) => m.id);
      // The broken room failed, was released, claimed back and failed again: the good rooms had their chances.
      await waitFor(
        'the broken room to fail twice, and to be claimed back in between',
        () => ({ failures: stats()?.[outcome] ?? 0, claimed: stats()?.claimed ?? 0 }),
        (s) => s.failures >= 2 && s.claimed >= 5,
      );
      const whileBroken = await inboxOf(raw, 'bob');
      for (const room of ['good-1', 'good-2']) expect(inRoom(whileBroken, room)).toEqual(sent.get(room));
      expect(inRoom(whileBroken, 'broken')).toEqual([]);
      expect(await raw.hget(keys.applied, 'broken')).toBeNull();
      expect(await pendingCount(api)).toBe(5);
      expect((await request(api).get('/dead-letters')).body).toEqual([]);

      await fix();
      await waitFor(
        'the PEL to drain',
        () => pendingCount(api),
        (n) => n === 0,
      );
      const inbox = await inboxOf(raw, 'bob');
      for (const room of rooms) expect(inRoom(inbox, room)).toEqual(sent.get(room));
      expect(inRoom(await inboxOf(raw, 'erin'), 'broken')).toEqual(sent.get('broken'));
      expect(await raw.get(keys.unread('bob'))).toBe('15');
      expect((await request(api).get('/check')).body.valid).toBe(true);
      await stopAll();
    },
  );

  it('when the crash-before-ack fault is armed and a broken room sends the batch room by room, then the worker still crashes after exactly that many effects', async () => {
    await stopAll();
    await raw.flushall();
    let crashed = false;
    const worker = await start(
      { ROLE: 'worker', SERVICE_NAME: 'worker-1', READ_COUNT: 100 },
      () => (crashed = true),
    );
    await request(worker.service.server)
      .post('/chaos/faults/crash-before-ack')
      .send({ afterEffects: 3 })
      .expect(200);
    // The whole backlog appears at once (one MULTI), so the worker's first read holds all three rooms in one batch.
    const rooms = ['good-1', 'broken', 'good-2'];
    const setUp = raw.multi();
    for (const room of rooms) {
      setUp.sadd(keys.rooms, room);
      setUp.sadd(keys.members(room), 'alice', room === 'broken' ? 'erin' : 'bob');
      setUp.xgroup('CREATE', keys.stream(room), 'delivery', '0', 'MKSTREAM');
      for (let i = 0; i < 5; i += 1)
        setUp.xadd(
          keys.stream(room),
          '*',
          'senderId',
          'alice',
          'text',
          `m${i}`,
          'sentAt',
          String(Date.now()),
        );
    }
    setUp.set(keys.inbox('erin'), 'not a list');
    await setUp.exec();
    await waitFor(
      'worker-1 to crash',
      () => crashed,
      (c) => c,
    );
    expect(worker.worker?.stats.roomErrors).toBeGreaterThanOrEqual(1);
    expect(await raw.llen(keys.inbox('bob'))).toBe(3);
    expect(await raw.hget(keys.counters, 'applied')).toBe('3');
    await stopAll();
  });

  it('when Redis refuses writes (out of memory: no room is at fault), then the worker keeps its batch, applies and acks nothing, and delivers it once when Redis accepts writes again', async () => {
    await stopAll();
    await raw.flushall();
    const api = (await start({ RATE_LIMIT: 0 })).service.server;
    const rooms = ['half-1', 'half-2'];
    for (const room of rooms) {
      await request(api)
        .put(`/rooms/${room}/members`)
        .send({ members: ['alice', 'bob'] });
    }
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const room = i < 5 ? 'half-1' : 'half-2';
      ids.push(
        (
          await request(api)
            .post(`/rooms/${room}/messages`)
            .send({ senderId: 'alice', text: `h${i}` })
        ).body.id,
      );
    }
    // Under maxmemory, the script's first write answers OOM: Redis's state, not a room's keys.
    await raw.config('RESETSTAT');
    await raw.config('SET', 'maxmemory', '1');
    // Its own pending entries must not idle long enough for its claimer to take them back while Redis
    // refuses writes (a loaded CI machine took longer than the default 3 s): the worker retries what it holds.
    const worker = await start({
      ROLE: 'worker',
      SERVICE_NAME: 'worker-1',
      READ_COUNT: 100,
      CLAIM_MIN_IDLE_MS: 600_000,
    });
    await waitFor(
      'the batch to fail twice',
      () => worker.worker?.stats.errors ?? 0,
      (n) => n >= 2,
    );
    expect(await raw.info('errorstats')).toMatch(/errorstat_OOM:count=[1-9]/);
    expect(await raw.llen(keys.inbox('bob'))).toBe(0);
    expect(await raw.hget(keys.applied, 'half-1')).toBeNull();
    expect(worker.worker?.stats.roomErrors).toBe(0);
    expect(worker.worker?.heldCount).toBe(10);
    expect(await pendingCount(api)).toBe(10);

    await raw.config('SET', 'maxmemory', '0');
    await waitFor(
      'the PEL to drain',
      () => pendingCount(api),
      (n) => n === 0,
    );
    const inbox = await inboxOf(raw, 'bob');
    expect(inbox.filter((m) => m.room === 'half-1').map((m) => m.id)).toEqual(ids.slice(0, 5));
    expect(inbox.filter((m) => m.room === 'half-2').map((m) => m.id)).toEqual(ids.slice(5));
    expect(worker.worker?.stats.claimed).toBe(0);
    expect((await request(api).get('/check')).body.valid).toBe(true);
    await stopAll();
  });
});

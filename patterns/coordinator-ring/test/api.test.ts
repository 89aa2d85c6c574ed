import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { RingApp } from '../src/app.ts';
import { startInProcessRing } from './support/in-process-ring.ts';
import { signedPost } from './support/signed-post.ts';

// Three ring nodes in this process, each with its own real Redis, talking over real HTTP.
const names = ['ring-1', 'ring-2', 'ring-3'];
let apps: RingApp[] = [];
let redises: RedisHandle[] = [];

beforeAll(async () => {
  ({ apps, redises } = await startInProcessRing(names));
  await waitForLeader();
}, 60_000);

afterAll(async () => {
  await Promise.all(apps.map((app) => app.service.close()));
  await stopAllRedis();
});

async function waitForLeader(): Promise<RingApp> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const leader = apps.find((a) => a.node.isLeader);
    if (leader && apps.every((a) => a.node.currentLeader === leader.node.id)) return leader;
    if (Date.now() > deadline) throw new Error('no leader within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const follower = (): RingApp => {
  const found = apps.find((a) => !a.node.isLeader);
  if (!found) throw new Error('no follower');
  return found;
};
const server = (app: RingApp) => app.service.server;

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.body.code).toBe(code);
}

describe('coordinator-ring API', () => {
  it('when a write goes to a follower, then it is forwarded and acknowledged by the leader with clock, term and index', async () => {
    const leader = await waitForLeader();
    const res = await request(server(follower())).put('/kv/greeting').send({ value: 'hello' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ key: 'greeting', value: 'hello', leaderId: leader.node.id });
    expect(res.body.clock[leader.node.id].counter).toBeGreaterThanOrEqual(1);
    const read = await request(server(follower())).get('/kv/greeting');
    expect(read.body).toMatchObject({ value: 'hello', servedBy: leader.node.id, stale: false });
  });

  it('when the leader is cut from every follower just after taking a write, then the write answers 504 COMMIT_UNKNOWN, the next one 503 NO_QUORUM, and the majority decides', async () => {
    const leader = await waitForLeader();
    for (const peer of leader.node.peers) {
      await request(server(leader)).put(`/chaos/links/${peer.name}`).send({ mode: 'cut' }).expect(200);
    }
    try {
      // Its last acknowledgements are fresh, so it still leads: the entry is appended, then nobody stores it.
      const unknown = await request(server(leader)).put('/kv/cut-write').send({ value: 'maybe' });
      expectProblem(unknown, 504, 'COMMIT_UNKNOWN');
      expect(unknown.body.outcome).toBe('indeterminate');
      // CheckQuorum has deposed it by now: refused before anything is appended.
      const refused = await request(server(leader)).put('/kv/cut-write').send({ value: 'never' });
      expectProblem(refused, 503, 'NO_QUORUM');
      expect(refused.body.outcome).toBe('not_applied');
    } finally {
      await request(server(leader)).delete('/chaos').expect(200);
    }
    // The majority elected another leader meanwhile; its log wins, and the uncommitted entry is overwritten.
    const next = await waitForLeader();
    const read = await request(server(next)).get('/kv/cut-write');
    expect(read.status === 404 || read.body.value === 'maybe').toBe(true);
  }, 30_000);

  it('when a key was deleted or never written, then a read answers 404 KEY_NOT_FOUND', async () => {
    await request(server(follower())).put('/kv/doomed').send({ value: 'x' }).expect(200);
    const deleted = await request(server(follower())).delete('/kv/doomed');
    expect(deleted.status).toBe(200);
    expect(deleted.body.value).toBeNull();
    expectProblem(await request(server(follower())).get('/kv/doomed'), 404, 'KEY_NOT_FOUND');
    expectProblem(await request(server(follower())).get('/kv/never-written'), 404, 'KEY_NOT_FOUND');
  });

  it('GET /ring lists every member once, in the same ring order on every node', async () => {
    const rings = await Promise.all(apps.map((a) => request(server(a)).get('/ring')));
    const orders = rings.map((r) => (r.body as { members: { id: string }[] }).members.map((m) => m.id));
    expect(new Set(orders[0])).toEqual(new Set(names));
    for (const order of orders) expect(order).toEqual(orders[0]);
  });

  it('on a follower, /status reports its role, /stats its counters, /check a valid history, and /readyz and /metrics answer 200', async () => {
    const app = follower();
    const status = await request(server(app)).get('/status');
    expect(status.body).toMatchObject({ id: app.node.id, role: 'follower' });
    const stats = await request(server(app)).get('/stats');
    expect(stats.body.counters).toHaveProperty('electionsStarted');
    const check = await request(server(app)).get('/check');
    expect(check.status).toBe(200);
    expect(check.body.valid).toBe(true);
    expect((await request(server(app)).get('/readyz')).status).toBe(200);
    expect((await request(server(app)).get('/metrics')).status).toBe(200);
  });

  /** Every bad request goes to the first node: validation happens before any forwarding. */
  const toFirstNode = () => request(server(apps[0] as RingApp));
  // Internal messages are signed as a peer signs them, so the checks behind the signature are reached.
  const firstServer = () => server(apps[0] as RingApp);
  const bad: [string, () => request.Test, number, string][] = [
    [
      'PUT with malformed JSON',
      () => toFirstNode().put('/kv/a').set('content-type', 'application/json').send('{"value":'),
      400,
      'MALFORMED_JSON',
    ],
    [
      'PUT with a number value',
      () => toFirstNode().put('/kv/a').send({ value: 42 }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'PUT with an oversized value',
      () =>
        toFirstNode()
          .put('/kv/a')
          .send({ value: 'x'.repeat(4097) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'PUT with an unknown field',
      () => toFirstNode().put('/kv/a').send({ value: 'v', ttl: 3 }),
      400,
      'VALIDATION_FAILED',
    ],
    ['PUT with no value', () => toFirstNode().put('/kv/a').send({}), 400, 'VALIDATION_FAILED'],
    [
      'PUT with a bad key',
      () => toFirstNode().put('/kv/has%20space').send({ value: 'v' }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'PUT with an oversized key',
      () =>
        toFirstNode()
          .put(`/kv/${'k'.repeat(201)}`)
          .send({ value: 'v' }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'PUT without JSON content type',
      () => toFirstNode().put('/kv/a').set('content-type', 'text/plain').send('v'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['GET with stale=maybe', () => toFirstNode().get('/kv/a?stale=maybe'), 400, 'VALIDATION_FAILED'],
    [
      'GET with an unknown query parameter',
      () => toFirstNode().get('/kv/a?consistency=all'),
      400,
      'VALIDATION_FAILED',
    ],
    ['DELETE with a bad key', () => toFirstNode().delete('/kv/a%2Fb'), 400, 'VALIDATION_FAILED'],
    [
      'PATCH on /kv/{key}',
      () => toFirstNode().patch('/kv/a').send({ value: 'v' }),
      405,
      'METHOD_NOT_ALLOWED',
    ],
    [
      'a vote with a negative term',
      () =>
        signedPost(firstServer(), '/internal/votes', {
          term: -1,
          candidateId: 'ring-2',
          lastLogIndex: 0,
          lastLogTerm: 0,
        }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a vote from a stranger',
      () =>
        signedPost(firstServer(), '/internal/votes', {
          term: 999,
          candidateId: 'ring-9',
          lastLogIndex: 0,
          lastLogTerm: 0,
        }),
      400,
      'UNKNOWN_PEER',
    ],
    [
      'append-entries with a gap',
      () =>
        signedPost(firstServer(), '/internal/append-entries', {
          term: 1,
          leaderId: 'ring-2',
          prevLogIndex: 0,
          prevLogTerm: 0,
          entries: [{ index: 5, term: 1, command: { type: 'noop' } }],
          leaderCommit: 0,
        }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'append-entries with an unknown field',
      () =>
        signedPost(firstServer(), '/internal/append-entries', {
          term: 1,
          leaderId: 'ring-2',
          prevLogIndex: 0,
          prevLogTerm: 0,
          entries: [],
          leaderCommit: 0,
          force: true,
        }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'append-entries from a stranger',
      () =>
        signedPost(firstServer(), '/internal/append-entries', {
          term: 999,
          leaderId: 'ring-9',
          prevLogIndex: 0,
          prevLogTerm: 0,
          entries: [],
          leaderCommit: 0,
        }),
      400,
      'UNKNOWN_PEER',
    ],
    [
      'a heartbeat with a negative counter',
      () => signedPost(firstServer(), '/internal/heartbeats', { from: 'ring-2', gossip: { 'ring-2': -5 } }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a heartbeat from a stranger',
      () => signedPost(firstServer(), '/internal/heartbeats', { from: 'ring-9', gossip: {} }),
      400,
      'UNKNOWN_PEER',
    ],
    [
      'a link fault on an unknown node',
      () => toFirstNode().put('/chaos/links/ring-9').send({ mode: 'cut' }),
      404,
      'NOT_FOUND',
    ],
    [
      'a link fault with a bad mode',
      () => toFirstNode().put('/chaos/links/ring-2').send({ mode: 'melt' }),
      400,
      'VALIDATION_FAILED',
    ],
    ['a pause of 0 ms', () => toFirstNode().post('/chaos/pause').send({ ms: 0 }), 400, 'VALIDATION_FAILED'],
    ['history with limit 0', () => toFirstNode().get('/history?limit=0'), 400, 'VALIDATION_FAILED'],
  ];

  it.each(bad)(
    'when sent %s, then it answers a problem and nothing changes',
    async (_name, send, status, code) => {
      const before = apps.map((a) => a.node.status());
      expectProblem(await send(), status, code);
      const after = apps.map((a) => a.node.status());
      // Nothing half-written: no node's log grew because of the bad request.
      expect(after.map((s) => s.lastLogIndex)).toEqual(before.map((s) => s.lastLogIndex));
      expect((await toFirstNode().get('/healthz')).status).toBe(200);
    },
  );

  it('the OpenAPI document lists every route with its error responses', async () => {
    const doc = (await toFirstNode().get('/openapi.json')).body;
    const paths = Object.keys(doc.paths);
    for (const path of [
      '/kv/{key}',
      '/ring',
      '/status',
      '/stats',
      '/check',
      '/history',
      '/internal/votes',
      '/internal/append-entries',
      '/internal/heartbeats',
      '/chaos',
    ]) {
      expect(paths).toContain(path);
    }
    const put = doc.paths['/kv/{key}'].put;
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '400', '503', '504']));
    expect(Object.keys(doc.paths['/kv/{key}'].get.responses)).toEqual(
      expect.arrayContaining(['200', '404', '503']),
    );
    expect(doc.paths['/internal/votes'].post.tags).toContain('internal');
  });

  it('when a node’s Redis is down, then its /readyz answers 503 NOT_READY', async () => {
    const app = follower();
    const index = apps.indexOf(app);
    const redis = redises[index] as RedisHandle;
    await redis.kill();
    try {
      expectProblem(await request(server(app)).get('/readyz'), 503, 'NOT_READY');
    } finally {
      await redis.restart();
    }
  });
});

describe('coordinator-ring live view (headless Chromium)', () => {
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
  });

  it('when a write commits and a follower is cut off from everyone, then the leader’s page shows the write with its clock and the follower dead', async () => {
    const leader = await waitForLeader();
    const victim = follower();
    const address = leader.service.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${address.port}/`);
    // Generous first waits: the page, its socket and the first snapshot took over 10 s on a loaded machine.
    await page.locator('#lab-status', { hasText: 'live' }).waitFor({ timeout: 30_000 });
    await page.locator(`[data-node="${leader.node.id}"][data-role="leader"]`).waitFor({ timeout: 30_000 });

    await request(server(victim)).put('/kv/live-key').send({ value: 'seen' }).expect(200);
    const line = page.locator('#ring-commits li[data-key="live-key"]');
    await line.waitFor({ timeout: 10_000 });
    expect(await line.textContent()).toContain(`${leader.node.id}:`);

    // Cut on the victim itself: its heartbeats reach nobody, not even second-hand through gossip.
    for (const peer of victim.node.peers) {
      await request(server(victim)).put(`/chaos/links/${peer.name}`).send({ mode: 'cut' }).expect(200);
    }
    try {
      await page.locator(`[data-node="${victim.node.id}"][data-state="dead"]`).waitFor({ timeout: 15_000 });
    } finally {
      await request(server(victim)).delete('/chaos').expect(200);
    }
    await page.locator(`[data-node="${victim.node.id}"][data-state="alive"]`).waitFor({ timeout: 15_000 });
    await page.close();
  }, 120_000);
});

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RingApp } from '../src/app.ts';
import { signatureHeader, signMessage } from '../src/cluster/peer-auth.ts';
import { loadConfig } from '../src/config.ts';
import { startLonelyNode } from './support/lonely-node.ts';
import { signedPost, testSecret as secretOf } from './support/signed-post.ts';

const adminToken = 'ring-admin-token-for-tests';

// One node whose peers never answer: its term, vote and log change only through the messages sent here.
let app: RingApp;

beforeAll(async () => {
  app = await startLonelyNode(await startRedis({ name: 'auth-ring-1-redis', appendOnly: true }), adminToken);
}, 30_000);

afterAll(async () => {
  await app?.service.close();
  await stopAllRedis();
});

const forgedAppend = {
  term: 99,
  leaderId: 'ring-2',
  prevLogIndex: 0,
  prevLogTerm: 0,
  entries: [{ index: 1, term: 99, command: { type: 'noop' } }],
  leaderCommit: 1,
};
const forgedVote = { term: 99, candidateId: 'ring-2', lastLogIndex: 50, lastLogTerm: 50 };

const durableState = () => {
  const { term, votedFor, lastLogIndex, commitIndex, leaderId } = app.node.status();
  return { term, votedFor, lastLogIndex, commitIndex, leaderId };
};

describe('coordinator-ring admin routes', () => {
  it('when an admin token is configured, then every admin route of the OpenAPI document answers 401 without it and DELETE /history keeps the record', async () => {
    const server = app.service.server;
    await request(server).put('/kv/any').send({ value: 'x' }); // a 503 (no leader), recorded in the history
    const recordedBefore = (await request(server).get('/history')).body;
    const doc = (await request(server).get('/openapi.json')).body as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const adminRoutes = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => (operation.security ?? []).length > 0)
        .map(([method, operation]) => ({ method, path, operation })),
    );
    const listed = adminRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(listed).toEqual(
      expect.arrayContaining(['DELETE /history', 'DELETE /chaos', 'PUT /chaos/links/{node}']),
    );
    for (const { method, path } of adminRoutes) {
      const url = path.replace('{node}', 'ring-2');
      const verb = method as 'get' | 'put' | 'post' | 'delete';
      const agent = request(server);
      const res = await agent[verb](url)
        .set('content-type', 'application/json')
        .send(method === 'get' || method === 'delete' ? undefined : { mode: 'cut', ms: 1 });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect((await request(server).get('/history')).body).toEqual(recordedBefore);
    expect(app.node.peers.every((p) => !p.isCut)).toBe(true);
  });
});

describe('coordinator-ring peer authentication', () => {
  it.each([
    ['with no signature', (path: string, body: object) => request(app.service.server).post(path).send(body)],
    [
      'signed with another secret',
      (path: string, body: object) => signedPost(app.service.server, path, body, 'not-the-ring-secret-0000'),
    ],
    [
      'with a valid signature replayed on another route',
      (path: string, body: object) => {
        const text = JSON.stringify(body);
        const other = path === '/internal/votes' ? '/internal/append-entries' : '/internal/votes';
        return request(app.service.server)
          .post(path)
          .set('content-type', 'application/json')
          .set(signatureHeader, signMessage(secretOf(), 'POST', other, text, Date.now()))
          .send(text);
      },
    ],
    [
      'with a valid signature from an hour ago',
      (path: string, body: object) => {
        const text = JSON.stringify(body);
        return request(app.service.server)
          .post(path)
          .set('content-type', 'application/json')
          .set(signatureHeader, signMessage(secretOf(), 'POST', path, text, Date.now() - 3_600_000))
          .send(text);
      },
    ],
  ])(
    'when a forged append-entries and vote request with a higher term arrive %s, then both are refused with 401 and no term, vote or log entry changes',
    async (_how, send) => {
      const before = durableState();
      for (const [path, body] of [
        ['/internal/append-entries', forgedAppend],
        ['/internal/votes', forgedVote],
      ] as const) {
        const res = await send(path, body);
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body).toMatchObject({ code: 'PEER_UNAUTHENTICATED', outcome: 'not_applied' });
      }
      expect(durableState()).toEqual(before);
      expect(before.term).toBeLessThan(99);
    },
  );

  // The control: the same message signed with the ring's secret is obeyed, so the refusals above are the signature's doing.
  it('when the same append-entries is signed with the cluster secret, then the node adopts the term and stores the entry', async () => {
    const res = await signedPost(app.service.server, '/internal/append-entries', forgedAppend);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ term: 99, success: true });
    expect(durableState()).toMatchObject({ term: 99, lastLogIndex: 1, leaderId: 'ring-2' });
  });

  it('when CLUSTER_SECRET is unset, then a node refuses to start unless LAB_INSECURE_PEERS=1 says so', () => {
    expect(() => loadConfig({})).toThrow(/CLUSTER_SECRET is not set/);
    expect(() => loadConfig({ CLUSTER_SECRET: 'short' })).toThrow(/at least 16/);
    expect(loadConfig({ LAB_INSECURE_PEERS: '1' }).peerAuth).toEqual({ mode: 'off' });
    expect(loadConfig({ CLUSTER_SECRET: 'a'.repeat(32) }).peerAuth).toEqual({
      mode: 'hmac',
      secret: 'a'.repeat(32),
    });
  });
});

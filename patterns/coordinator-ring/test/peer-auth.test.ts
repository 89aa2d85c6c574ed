import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedisNodes, parseRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import { createRingApp } from '../src/app.ts';
import type { RingApp } from '../src/app.ts';
import { signatureHeader, signMessage } from '../src/cluster/peer-auth.ts';
import { defaultConfig, loadConfig } from '../src/config.ts';
import { uniqueFreePorts } from './support/ring-cluster.ts';
import { signedPost, testSecret as secretOf } from './support/signed-post.ts';

// One node whose peers never answer and whose election timeout is a minute: its term, vote and log
// can only change through the messages this test sends.
let app: RingApp;

beforeAll(async () => {
  const handle = await startRedis({ name: 'auth-ring-1-redis', appendOnly: true });
  const [redis] = await connectRedisNodes(parseRedisNodes(`ring-1-redis=${handle.url}`));
  if (!redis) throw new Error('no redis');
  const [p2, p3] = await uniqueFreePorts(2);
  app = await createRingApp({
    config: defaultConfig({ nodeId: 'ring-1', electionTimeoutMinMs: 60_000, electionTimeoutMaxMs: 60_000 }),
    redis,
    peers: [
      { name: 'ring-2', url: `http://127.0.0.1:${p2}` },
      { name: 'ring-3', url: `http://127.0.0.1:${p3}` },
    ],
  });
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

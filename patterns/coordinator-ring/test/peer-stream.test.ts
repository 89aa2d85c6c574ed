import http from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RingApp } from '../src/app.ts';
import { signatureHeader, signMessage } from '../src/cluster/peer-auth.ts';
import { PeerLink } from '../src/cluster/peer-link.ts';
import type { PeerReply } from '../src/cluster/peer-link.ts';
import { streamProtocol } from '../src/cluster/stream-frames.ts';
import type { AppendReply, AppendRequest } from '../src/engines/raft/messages.ts';
import { startLonelyNode } from './support/lonely-node.ts';
import { testSecret } from './support/signed-post.ts';

// ring-1 of a ring whose peers never answer: here the test plays its leader, ring-2, over the stream.
let app: RingApp;
let url: string;
const links: PeerLink[] = [];

beforeAll(async () => {
  app = await startLonelyNode(await startRedis({ name: 'stream-ring-1-redis', appendOnly: true }));
  const { port } = await app.service.listen(0);
  url = `http://127.0.0.1:${port}`;
}, 30_000);

afterAll(async () => {
  for (const link of links) link.close();
  await app?.service.close();
  await stopAllRedis();
});

/** ring-2's link to ring-1, signing with `secret`. */
function linkFromLeader(secret = testSecret()): PeerLink {
  const link = new PeerLink({ name: 'ring-1', url }, { mode: 'hmac', secret });
  links.push(link);
  return link;
}

const noop = (index: number, term: number) => ({ index, term, command: { type: 'noop' as const } });

/** AppendEntries from ring-2 in `term` carrying entry `index` on top of `index - 1`. */
const appendOne = (term: number, index: number): AppendRequest => ({
  term,
  leaderId: 'ring-2',
  prevLogIndex: index - 1,
  prevLogTerm: index === 1 ? 0 : term,
  entries: [noop(index, term)],
  leaderCommit: 0,
});

const durableState = () => {
  const { term, lastLogIndex, leaderId } = app.node.status();
  return { term, lastLogIndex, leaderId };
};

/** Opens a stream by hand (a valid opening signature) and returns its socket, for writing raw lines. */
function openRawStream(): Promise<Socket> {
  const path = '/internal/streams/append-entries';
  return new Promise((resolve, reject) => {
    const request = http.request({
      hostname: '127.0.0.1',
      port: new URL(url).port,
      path,
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: streamProtocol,
        [signatureHeader]: signMessage(testSecret(), 'GET', path, '', Date.now()),
      },
    });
    request.on('upgrade', (_res, socket) => resolve(socket));
    request.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    request.on('error', reject);
    request.end();
  });
}

/** The next `count` answer lines on a raw stream, as [status, body]. */
function readAnswers(socket: Socket, count: number): Promise<[number, Record<string, unknown>][]> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const lines = text.split('\n').filter(Boolean);
      if (lines.length < count) return;
      resolve(
        lines.slice(0, count).map((line) => {
          const [status, body] = line.split('\t');
          return [Number(status), JSON.parse(body ?? '{}') as Record<string, unknown>];
        }),
      );
    });
  });
}

describe('coordinator-ring peer stream (AppendEntries over one long-lived connection)', () => {
  it('when a leader pipelines AppendEntries over the signed stream, then each is answered in the order sent and the follower stores them all', async () => {
    const link = linkFromLeader();
    const replies: Promise<PeerReply<AppendReply>>[] = [];
    // Sent back to back, none awaited: each only holds because the one before it arrived first.
    for (let index = 1; index <= 5; index++) {
      replies.push(link.stream<AppendReply>('/internal/append-entries', appendOne(7, index), 5_000));
    }
    const answers = await Promise.all(replies);
    expect(answers.map((a) => (a.kind === 'ok' ? [a.status, a.body.matchIndex] : a.kind))).toEqual([
      [200, 1],
      [200, 2],
      [200, 3],
      [200, 4],
      [200, 5],
    ]);
    expect(durableState()).toEqual({ term: 7, lastLogIndex: 5, leaderId: 'ring-2' });
  });

  it('when the stream is opened with another secret, then the opening is refused and no message reaches the node', async () => {
    const before = durableState();
    const reply = await linkFromLeader('not-the-ring-secret-0000').stream<AppendReply>(
      '/internal/append-entries',
      appendOne(99, before.lastLogIndex + 1),
      5_000,
    );
    expect(reply).toMatchObject({ kind: 'unreachable', reason: expect.stringMatching(/HTTP 401/) as string });
    expect(durableState()).toEqual(before);
  });

  it('when one line of an open stream is forged or not JSON, then that line alone is refused in the kit error shape and the next signed line is obeyed', async () => {
    const before = durableState();
    const socket = await openRawStream();
    try {
      const answers = readAnswers(socket, 3);
      const forged = JSON.stringify(appendOne(99, before.lastLogIndex + 1));
      const genuine = JSON.stringify(appendOne(before.term, before.lastLogIndex + 1));
      const sign = (text: string, secret: string) =>
        signMessage(secret, 'POST', '/internal/append-entries', text, Date.now());
      socket.write(`${sign(forged, 'not-the-ring-secret-0000')}\t${forged}\n`);
      socket.write(`${sign('{not json', testSecret())}\t{not json\n`);
      socket.write(`${sign(genuine, testSecret())}\t${genuine}\n`);
      const [first, second, third] = await answers;
      expect(first).toEqual([
        401,
        expect.objectContaining({ code: 'PEER_UNAUTHENTICATED', outcome: 'not_applied' }),
      ]);
      expect(second).toEqual([
        400,
        expect.objectContaining({ code: 'VALIDATION_FAILED', outcome: 'not_applied' }),
      ]);
      expect(third).toEqual([
        200,
        expect.objectContaining({ success: true, matchIndex: before.lastLogIndex + 1 }),
      ]);
      expect(durableState()).toEqual({ ...before, lastLogIndex: before.lastLogIndex + 1 });
    } finally {
      socket.destroy();
    }
  });

  it('when the stream path is asked without the Upgrade headers, then it answers 426 UPGRADE_REQUIRED in the kit error shape', async () => {
    const res = await fetch(`${url}/internal/streams/append-entries`);
    expect(res.status).toBe(426);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'UPGRADE_REQUIRED', outcome: 'not_applied' });
  });

  it('when the follower has cut its link to the leader (chaos), then each message on the stream is refused with 503 and nothing is stored', async () => {
    const before = durableState();
    const cut = app.node.peer('ring-2');
    cut?.setLink({ mode: 'cut' });
    try {
      const reply = await linkFromLeader().stream<AppendReply>(
        '/internal/append-entries',
        appendOne(before.term, before.lastLogIndex + 1),
        5_000,
      );
      expect(reply).toMatchObject({ kind: 'ok', status: 503, body: { code: 'PEER_UNREACHABLE' } });
      expect(durableState()).toEqual(before);
    } finally {
      cut?.setLink({ mode: 'ok' });
    }
  });
});

import type { IncomingMessage } from 'node:http';
import { toAppError, toProblem } from '@kvs-lab/shared/service';
import type { Service, z } from '@kvs-lab/shared/service';
import type { Request } from 'express';
import { signatureHeader, verifyMessage } from '../../cluster/peer-auth.ts';
import type { PeerAuth } from '../../cluster/peer-auth.ts';
import { streamPathOf } from '../../cluster/stream-frames.ts';
import { serveStreams } from '../../cluster/stream-server.ts';
import type { StreamEndpoint, StreamServer } from '../../cluster/stream-server.ts';
import type { RingNode } from './ring-node.ts';
import {
  appendReply,
  appendRequest,
  heartbeat,
  snapshotChunk,
  snapshotReply,
  voteReply,
  voteRequest,
} from '../../http/schemas.ts';
import { AppError } from '../../errors.ts';

const tags = ['internal'];
const errors = [
  'PEER_UNAUTHENTICATED',
  'UNKNOWN_PEER',
  'PEER_UNREACHABLE',
  'REDIS_UNAVAILABLE',
  'REDIS_TIMEOUT',
];

/**
 * Node-to-node messages. Each must carry an HMAC of the cluster secret over
 * its method, path and body: anything else is refused with 401 before the
 * node reads it, so whoever reaches the port cannot post a higher term. A
 * message from a peer whose link is cut here is dropped (503), so one /chaos
 * cut on a node isolates it in both directions.
 */
export function internalRoutes(service: Service, node: RingNode, auth: PeerAuth): StreamServer {
  const authenticate = (
    signature: string | undefined,
    method: string,
    path: string,
    bodyText: string,
  ): void => {
    if (auth.mode === 'off') return;
    const check = verifyMessage(auth.secret, signature, method, path, bodyText, Date.now());
    if (!check.ok) throw new AppError('PEER_UNAUTHENTICATED', `Peer message refused: ${check.reason}.`);
  };
  const admit = (req: Request, from: string): void => {
    const bodyText = req.body === undefined ? '' : JSON.stringify(req.body);
    authenticate(req.get(signatureHeader), req.method, req.originalUrl, bodyText);
    admitFrom(from);
  };
  const admitFrom = (from: string): void => {
    const peer = node.peer(from);
    if (!peer)
      throw new AppError('UNKNOWN_PEER', `${from} is not a member of this ring.`, { extras: { from } });
    if (peer.isCut) {
      throw new AppError('PEER_UNREACHABLE', `The link to ${from} is cut (chaos): message dropped.`, {
        extras: { from },
      });
    }
  };

  service.route({
    method: 'post',
    path: '/internal/votes',
    summary: 'RequestVote: a candidate asks this node for its vote',
    description: 'The answer leaves only after the new term and vote are written to this node’s Redis.',
    tags,
    body: voteRequest,
    bodyExample: { term: 3, candidateId: 'ring-2', lastLogIndex: 12, lastLogTerm: 2 },
    errors,
    responses: { 200: { description: 'Granted or refused, with this node’s term', schema: voteReply } },
    handler: async ({ body, req }) => {
      admit(req, body.candidateId);
      return { status: 200, body: await node.handleVote(body) };
    },
  });

  service.route({
    method: 'post',
    path: '/internal/append-entries',
    summary: 'AppendEntries: the leader replicates log entries (or just heartbeats)',
    tags,
    body: appendRequest,
    bodyExample: {
      term: 3,
      leaderId: 'ring-2',
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      leaderCommit: 0,
    },
    errors,
    responses: {
      200: { description: 'Stored (success) or refused, with this node’s term', schema: appendReply },
    },
    handler: async ({ body, req }) => {
      admit(req, body.leaderId);
      return { status: 200, body: await node.handleAppend(body) };
    },
  });

  service.route({
    method: 'post',
    path: '/internal/install-snapshot',
    summary: 'InstallSnapshot: the leader sends its state machine, in chunks, to a follower behind its log',
    description:
      'Chunks are staged in order; the last one replaces the state machine and the log before the snapshot.',
    tags,
    body: snapshotChunk,
    bodyExample: {
      term: 3,
      leaderId: 'ring-2',
      lastIncludedIndex: 12000,
      lastIncludedTerm: 3,
      compactedTerms: [
        [1, 1],
        [40, 3],
      ],
      offset: 0,
      pairs: [['cart', '{"value":"x","clock":{},"term":3,"index":11990}']],
      done: true,
    },
    errors,
    responses: { 200: { description: 'Stored or refused, with this node’s term', schema: snapshotReply } },
    handler: async ({ body, req }) => {
      admit(req, body.leaderId);
      return { status: 200, body: await node.handleInstallSnapshot(body) };
    },
  });

  service.route({
    method: 'post',
    path: '/internal/heartbeats',
    summary: 'Gossip: a ring predecessor pushes its heartbeat table and gets this node’s back',
    tags,
    body: heartbeat,
    bodyExample: { from: 'ring-1', gossip: { 'ring-1': 42, 'ring-2': 40, 'ring-3': 41 } },
    errors: ['PEER_UNAUTHENTICATED', 'UNKNOWN_PEER', 'PEER_UNREACHABLE'],
    responses: { 200: { description: 'This node’s table', schema: heartbeat } },
    handler: ({ body, req }) => {
      admit(req, body.from);
      return { status: 200, body: node.handleHeartbeat(body) };
    },
  });

  // AppendEntries and gossip also travel over long-lived streams (cluster/peer-stream.ts): each line is
  // signed, checked and answered exactly as a POST to the route of the same name above.
  const streamed = [
    streamEndpoint(
      '/internal/append-entries',
      appendRequest,
      (b) => b.leaderId,
      (b) => node.handleAppend(b),
    ),
    streamEndpoint(
      '/internal/heartbeats',
      heartbeat,
      (b) => b.from,
      (b) => Promise.resolve(node.handleHeartbeat(b)),
    ),
  ];
  function streamEndpoint<Body>(
    messagePath: string,
    schema: z.ZodType<Body>,
    senderOf: (body: Body) => string,
    handle: (body: Body) => Promise<unknown>,
  ): StreamEndpoint {
    service.route({
      method: 'get',
      path: streamPathOf(messagePath),
      summary: `Opens the ${messagePath} stream: one long-lived connection from a peer to this node`,
      description:
        'Send `Connection: Upgrade`, `Upgrade: kvs-lab-peer-stream` and a signature over `GET`, this path and an ' +
        `empty body. After \`101 Switching Protocols\`, each line the peer writes is \`<signature>\\t<message ` +
        `JSON>\` (signed as a POST to ${messagePath}) and each line back is \`<status>\\t<reply JSON>\`, in ` +
        'the same order. Without the Upgrade headers: 426.',
      tags,
      errors: ['UPGRADE_REQUIRED', 'PEER_UNAUTHENTICATED'],
      responses: { 101: { description: 'Switching Protocols: the stream is open' } },
      handler: () => {
        throw new AppError(
          'UPGRADE_REQUIRED',
          'This path opens a peer stream: send Upgrade: kvs-lab-peer-stream.',
          { headers: { Upgrade: 'kvs-lab-peer-stream', Connection: 'Upgrade' } },
        );
      },
    });
    return {
      path: streamPathOf(messagePath),
      refuseOpening: (request: IncomingMessage) => {
        try {
          authenticate(request.headers[signatureHeader] as string | undefined, 'GET', request.url ?? '', '');
          return undefined;
        } catch (error) {
          return toAppError(error);
        }
      },
      answer: async (signature, bodyText) => {
        try {
          authenticate(signature, 'POST', messagePath, bodyText);
          const body = schema.safeParse(parseJson(bodyText));
          if (!body.success) {
            throw new AppError(
              'VALIDATION_FAILED',
              `body: ${body.error.issues.map((i) => i.message).join('; ')}`,
            );
          }
          admitFrom(senderOf(body.data));
          return { status: 200, body: await handle(body.data) };
        } catch (error) {
          const problem = toProblem(toAppError(error));
          return { status: problem.status, body: problem };
        }
      },
    };
  }
  return serveStreams(service.server, streamed);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'body: not JSON');
  }
}

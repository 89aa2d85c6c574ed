import { z } from '@kvs-lab/shared/service';
import type { Service } from '@kvs-lab/shared/service';
import type { RingService } from '../ring-service.ts';
import { leaderView, ringView, statusView } from './schemas.ts';

const tags = ['ring'];

/** What this node sees: the ring, its own role, its figures. */
export function ringRoutes(service: Service, ring: RingService): void {
  const { node } = ring;
  service.route({
    method: 'get',
    path: '/ring',
    summary: 'Members in ring order with their state as this node sees them, the leader and the term',
    tags,
    responses: { 200: { description: 'The ring', schema: ringView } },
    handler: () => ({ status: 200, body: node.ring() }),
  });

  service.route({
    method: 'get',
    path: '/leader',
    summary: 'The leader this node knows and its term (null while an election runs)',
    description:
      'On `raft` the Raft leader, which orders the writes; on `etcd` the instance elected with etcd’s ' +
      'election API, its term the create revision of its campaign key (etcd’s own Raft orders the writes).',
    tags,
    responses: { 200: { description: 'The leader', schema: leaderView } },
    handler: () => {
      const status = node.status();
      return {
        status: 200,
        body: {
          leaderId: status.leaderId,
          term: status.term,
          self: node.id,
          isSelf: status.leaderId === node.id,
          engine: status.engine,
        },
      };
    },
  });

  service.route({
    method: 'get',
    path: '/status',
    summary: 'This node’s role, term, leader, last applied write and suspects',
    tags,
    responses: { 200: { description: 'This node', schema: statusView } },
    handler: () => ({ status: 200, body: node.status() }),
  });

  service.route({
    method: 'get',
    path: '/stats',
    summary: 'This node’s figures: elections, votes, entries, suspicions',
    tags,
    responses: {
      200: {
        description: 'Counters since start',
        schema: z.object({
          node: z.string(),
          role: z.string(),
          term: z.number().int(),
          commitIndex: z.number().int(),
          lastApplied: z.number().int(),
          lastLogIndex: z.number().int(),
          counters: z.record(z.string(), z.number()),
          forwarded: z.object({ writes: z.number().int(), reads: z.number().int() }),
          leaderSightings: z.array(z.object({ term: z.number().int(), leaderId: z.string() })),
        }),
      },
    },
    handler: () => {
      const status = node.status();
      return {
        status: 200,
        body: {
          node: node.id,
          role: status.role,
          term: status.term,
          commitIndex: status.commitIndex,
          lastApplied: status.lastApplied,
          lastLogIndex: status.lastLogIndex,
          counters: { ...node.counters() },
          forwarded: { ...ring.forwardedCount },
          leaderSightings: node.leaderSightings().slice(-50),
        },
      };
    },
  });
}

import { beat, gossipOf, heartbeatAgeMs, memberState, mergeGossip } from '../../domain/failure-detector.ts';
import type { MemberState } from '../../domain/failure-detector.ts';
import { successorsOf } from '../../domain/ring-order.ts';
import type { HeartbeatMessage } from './messages.ts';
import { emit, progressOf, traceMessages } from './node-events.ts';
import type { RaftNode } from './node-state.ts';
import { gossip } from './trace-messages.ts';

/** This node's verdict on a member: alive, suspect or dead, from how long its counter has stood still. */
export function stateOf(node: RaftNode, id: string, now: number): MemberState {
  if (id === node.id) return 'alive';
  const view = node.state.table[id];
  return view ? memberState(view, now, node.config.failureTimeoutMs) : 'dead';
}

/** Rule: every change of a member's state is counted and shown. */
export function detectFailures(node: RaftNode, now: number): void {
  const s = node.state;
  for (const id of node.members) {
    if (id === node.id) continue;
    const state = stateOf(node, id, now);
    const before = s.memberStates.get(id) ?? 'alive';
    if (state === before) continue;
    s.memberStates.set(id, state);
    if (state === 'suspect') node.tally.suspicions += 1;
    if (state === 'dead') node.tally.deathsDetected += 1;
    const view = s.table[id];
    emit(node, 'member:state', {
      id,
      state,
      heartbeatAgeMs: view ? Math.round(heartbeatAgeMs(view, now)) : 0,
    });
  }
}

/**
 * Rule: bump this node's own counter and push the table to its ring successors, which answer with theirs.
 * Over a long-lived stream per successor, like AppendEntries: an HTTP request per message cost each
 * node about a tenth of a core at 20 messages a second each way, idle or loaded.
 */
export function gossipRound(node: RaftNode): void {
  const s = node.state;
  s.table = beat(s.table, node.id, node.now());
  for (const to of successorsOf(node.order, node.id, node.config.monitorSuccessors)) {
    const peer = node.peers.find((p) => p.name === to);
    if (!peer) continue;
    const message: HeartbeatMessage = {
      from: node.id,
      gossip: gossipOf(s.table),
      progress: progressOf(node),
    };
    traceMessages(node, [gossip(node.id, to, false, message.gossip[node.id])]);
    void peer
      .stream<HeartbeatMessage>('/internal/heartbeats', message, node.config.rpcTimeoutMs)
      .then((reply) => {
        if (reply.kind === 'ok' && reply.status === 200 && reply.body?.gossip) {
          s.table = mergeGossip(s.table, reply.body.gossip, node.now());
          if (reply.body.progress) s.progressHeard.set(to, reply.body.progress);
          traceMessages(node, [gossip(to, node.id, true, reply.body.gossip[to])]);
        } else node.tally.heartbeatsFailed += 1;
      });
  }
}

/** Gossip, receiver's side: merge the sender's table and answer with this node's (push-pull). */
export function handleHeartbeat(node: RaftNode, message: HeartbeatMessage): HeartbeatMessage {
  const s = node.state;
  s.table = mergeGossip(s.table, message.gossip, node.now());
  if (message.progress) s.progressHeard.set(message.from, message.progress);
  const reply: HeartbeatMessage = { from: node.id, gossip: gossipOf(s.table), progress: progressOf(node) };
  traceMessages(node, [
    gossip(message.from, node.id, false, message.gossip[message.from]),
    gossip(node.id, message.from, true, reply.gossip[node.id]),
  ]);
  return reply;
}

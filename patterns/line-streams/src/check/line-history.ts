import type { Operation } from '@kvs-lab/shared/history';
import type { AcknowledgedSend } from './delivery-check.ts';

/** What the history records of a send or a replay: the checker's view, not the route's whole answer. */
export interface SendInput {
  readonly room: string;
  readonly senderId: string;
  readonly clientMsgId?: string;
  readonly replayOf?: string;
}
export interface SendOutput {
  readonly id: string;
  readonly duplicate: boolean;
  readonly senderId?: string;
}
export type LineInput = SendInput | { room: string; members: string[] };
export type LineOutput = SendOutput | null;
export type LineOperation = Operation<LineInput, LineOutput>;

/**
 * The sends the history saw acknowledged (replays count: they are sends of the dead letter), and when
 * each room's members were last replaced: older sends are not judged against today's members.
 */
export function acknowledgedSends(operations: readonly LineOperation[]): {
  sends: AcknowledgedSend[];
  membersChangedAt: Map<string, number>;
} {
  const sends: AcknowledgedSend[] = [];
  const membersChangedAt = new Map<string, number>();
  for (const op of operations) {
    if (op.outcome !== 'ok') continue;
    if (op.kind === 'members') membersChangedAt.set(op.input.room, op.invokedAt);
    if ((op.kind === 'send' || op.kind === 'replay') && op.output && 'senderId' in op.input) {
      sends.push({
        operation: op.id,
        room: op.input.room,
        id: op.output.id,
        senderId: op.input.senderId,
        duplicate: op.output.duplicate,
        invokedAt: op.invokedAt,
        ...(op.input.clientMsgId ? { clientMsgId: op.input.clientMsgId } : {}),
      });
    }
  }
  return { sends, membersChangedAt };
}

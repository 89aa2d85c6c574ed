import { AppError } from '../../errors.ts';
import type { RaftNode } from './node-state.ts';

/** 503: refused before anything was written. */
export function noQuorum(node: RaftNode, reason: string): AppError {
  const s = node.state;
  return new AppError('NO_QUORUM', `${node.id}: ${reason}.`, {
    extras: { node: node.id, leaderId: s.leaderId, term: s.election.currentTerm },
  });
}

/** 504: the entry was appended and sent, and may yet commit. */
export function commitUnknown(index: number, reason: string): AppError {
  return new AppError('COMMIT_UNKNOWN', `Entry ${index}: ${reason}; it may or may not be committed.`, {
    extras: { index },
  });
}

export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

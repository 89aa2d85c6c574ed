export interface QueuedWaiter {
  readonly waiter: string;
  readonly owner: string;
  readonly ticket: number;
}
export function queueOrder<W extends QueuedWaiter>(queue: readonly W[]): W[];
export function queueLabel(queue: readonly QueuedWaiter[]): string;

import type { LiveEmit } from './events.ts';
import type { FanOut } from './fan-out.ts';

/**
 * The last few requests' fan-outs, for the live view: each change is sent as it happens
 * (`request:progress`) and the list is in the snapshot, so a page opened later draws the same.
 */
export class RecentRequests {
  private readonly byId = new Map<string, FanOut>();
  private readonly emit: LiveEmit;
  private readonly keep: number;

  constructor(emit: LiveEmit, keep = 6) {
    this.emit = emit;
    this.keep = keep;
  }

  start(fanOut: FanOut): void {
    this.byId.set(fanOut.requestId, fanOut);
    while (this.byId.size > this.keep) this.byId.delete(this.byId.keys().next().value as string);
    this.emit('request:progress', fanOut);
  }

  /** Replaces a request's fan-out by `change` of it; a request already forgotten stays forgotten. */
  update(requestId: string, change: (fanOut: FanOut) => FanOut): void {
    const current = this.byId.get(requestId);
    if (!current) return;
    const next = change(current);
    this.byId.set(requestId, next);
    this.emit('request:progress', next);
  }

  /** Oldest first. */
  list(): FanOut[] {
    return [...this.byId.values()];
  }
}

import { chooseHintHolder } from '../domain/hint-holder.ts';
import type { StoredVersion } from '../domain/versioned-value.ts';
import type { TraceMessages } from '../realtime/protocol-trace.ts';
import type { LiveEmit } from '../realtime/events.ts';
import type { QuorumSettings } from '../settings.ts';
import type { ReplicaStore } from '../store/replica-store.ts';

/** Hints waiting on one holder for one target replica. */
export interface PendingHints {
  readonly target: string;
  readonly heldBy: string;
  readonly count: number;
  /** The first few keys, for learners. */
  readonly keys: readonly string[];
}

/**
 * Hinted handoff. Hints live on the replicas themselves (a hash per target on
 * the holder, `lab:quorum-consistency:hints:<target>`), never in a
 * coordinator's memory, so they survive a coordinator restart and either
 * coordinator can deliver them: delivery is idempotent.
 */
export class HintedHandoff {
  private isReplaying = false;
  stored = 0;
  delivered = 0;

  private readonly replicas: readonly ReplicaStore[];
  private readonly settings: () => QuorumSettings;
  private readonly emit: LiveEmit;
  private readonly trace: TraceMessages;
  /** This coordinator's name: it stores and delivers the hints on the replicas' behalf. */
  private readonly coordinator: string;

  constructor(
    replicas: readonly ReplicaStore[],
    deps: { settings: () => QuorumSettings; emit: LiveEmit; trace: TraceMessages; coordinator: string },
  ) {
    this.replicas = replicas;
    this.settings = deps.settings;
    this.emit = deps.emit;
    this.trace = deps.trace;
    this.coordinator = deps.coordinator;
  }

  /** Keeps `version` for `target` on the next replica after it that just took the write; the holder, or undefined. */
  async hold(
    target: string,
    key: string,
    version: StoredVersion,
    live: ReadonlySet<string>,
  ): Promise<string | undefined> {
    const holderName = chooseHintHolder(
      target,
      this.replicas.map((replica) => replica.name),
      (node) => live.has(node),
    );
    const holder = this.replicas.find((replica) => replica.name === holderName);
    if (!holder) return undefined;
    this.trace([{ from: this.coordinator, to: holder.name, kind: 'hint-store', detail: { key, target } }]);
    try {
      await holder.storeHint(target, key, version);
    } catch {
      return undefined;
    }
    this.stored += 1;
    this.emit('hint:stored', { key, target, heldBy: holder.name });
    return holder.name;
  }

  /** Hands held hints to every target that answers again; returns how many were delivered. One replay at a time. */
  async replay(batch = 200): Promise<number> {
    if (this.isReplaying) return 0;
    this.isReplaying = true;
    let count = 0;
    try {
      for (const holder of this.replicas) {
        for (const target of this.replicas) {
          if (target === holder || !target.node.isReady || target.node.linkState().mode === 'cut') continue;
          count += await this.deliver(holder, target, batch);
        }
      }
    } finally {
      this.isReplaying = false;
    }
    return count;
  }

  private async deliver(holder: ReplicaStore, target: ReplicaStore, batch: number): Promise<number> {
    let hints;
    try {
      hints = await holder.readHints(target.name, batch);
    } catch {
      return 0;
    }
    if (hints.length === 0) return 0;
    const from = this.coordinator;
    this.trace([
      { from, to: holder.name, kind: 'hint-read', detail: { target: target.name, hints: hints.length } },
    ]);
    let count = 0;
    for (const hint of hints) {
      const detail = { key: hint.key, target: target.name, heldBy: holder.name };
      try {
        this.trace([{ from, to: target.name, kind: 'hint-deliver', detail }]);
        await target.putVersions(hint.key, [hint.version], this.settings().conflictPolicy);
        // Only after the target has it: a crash in between delivers it twice, which is harmless.
        this.trace([{ from, to: holder.name, kind: 'hint-delete', detail }]);
        await holder.deleteHint(target.name, hint.field);
      } catch {
        return count;
      }
      count += 1;
      this.delivered += 1;
      this.emit('hint:delivered', { key: hint.key, target: target.name, heldBy: holder.name });
    }
    return count;
  }

  /** Pending hints per (holder, target); holders that do not answer are left out. */
  async pending(): Promise<PendingHints[]> {
    return (await this.look()).pending;
  }

  /** Pending hints per (holder, target), and the holders that did not answer (what they hold is unknown). */
  async look(): Promise<{ pending: PendingHints[]; silent: string[] }> {
    const found: PendingHints[] = [];
    const silent = new Set<string>();
    for (const holder of this.replicas) {
      for (const target of this.replicas) {
        if (target === holder || silent.has(holder.name)) continue;
        try {
          const count = await holder.countHints(target.name);
          if (count === 0) continue;
          const sample = await holder.readHints(target.name, 20);
          found.push({
            target: target.name,
            heldBy: holder.name,
            count,
            keys: [...new Set(sample.map((hint) => hint.key))].slice(0, 20),
          });
        } catch {
          // A holder that is down cannot say what it holds.
          silent.add(holder.name);
        }
      }
    }
    return { pending: found, silent: [...silent] };
  }
}

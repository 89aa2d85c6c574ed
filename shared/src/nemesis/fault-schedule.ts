/**
 * A fault schedule derived from a seed: which process or link, which fault, when, and for
 * how long. Pure: the same seed and options always give the same schedule, so a failing
 * run is named by its seed and replayed exactly (the faults, not Redis's or the OS's timing).
 */
import { seededRandom } from '../testing/seeded-random.ts';

export const faultKinds = ['kill', 'pause', 'restart', 'cut', 'slow'] as const;
export type FaultKind = (typeof faultKinds)[number];

/** Where a fault may land: processes for kill/pause/restart, service->node links for cut/slow. */
export interface FaultTargets {
  readonly processes: readonly string[];
  readonly links: readonly { readonly service: string; readonly node: string }[];
}

export interface FaultEvent {
  /** Milliseconds after the workload starts. */
  readonly atMs: number;
  readonly kind: FaultKind;
  /** A process name, or `service->node` for a link. */
  readonly target: string;
  /** How long before it heals; 0 for `restart`, which heals itself. */
  readonly durationMs: number;
}

export interface ScheduleOptions {
  readonly durationMs: number;
  readonly kinds: readonly FaultKind[];
  /** Fault events per second, on average. */
  readonly ratePerSecond: number;
  readonly targets: FaultTargets;
}

/** A uniformly chosen element of a non-empty list. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** Kinds that have somewhere to land: a link fault needs a link, a process fault a process. */
export function usableKinds(kinds: readonly FaultKind[], targets: FaultTargets): FaultKind[] {
  return kinds.filter((kind) =>
    kind === 'cut' || kind === 'slow' ? targets.links.length > 0 : targets.processes.length > 0,
  );
}

/**
 * Spreads faults over the first 70 % of the run (the rest lets the pattern heal under load
 * before the checker judges), at least `ceil(duration * rate)` of them, never two on one
 * target at once, each healing before the run ends.
 */
export function planSchedule(seed: number, options: ScheduleOptions): FaultEvent[] {
  const random = seededRandom(seed);
  const kinds = usableKinds(options.kinds, options.targets);
  if (kinds.length === 0) return [];
  const count = Math.max(1, Math.ceil((options.durationMs / 1000) * options.ratePerSecond));
  const window = options.durationMs * 0.7;
  const busyUntil = new Map<string, number>();
  const events: FaultEvent[] = [];
  for (let i = 0; i < count; i++) {
    const atMs = Math.round((window * (i + random())) / count);
    const kind = pick(random, kinds);
    const target =
      kind === 'cut' || kind === 'slow'
        ? (({ service, node }) => `${service}->${node}`)(pick(random, options.targets.links))
        : pick(random, options.targets.processes);
    // A fault lasts up to the gap to the end of the window, between 0.5 s and 3 s.
    const durationMs =
      kind === 'restart' ? 0 : Math.round(Math.min(3_000, Math.max(500, (window - atMs) * random())));
    if ((busyUntil.get(target) ?? -1) > atMs) continue;
    busyUntil.set(target, atMs + durationMs + 500);
    events.push({ atMs, kind, target, durationMs });
  }
  return events;
}

/** One line per event: what `--seed` replays, printed so two runs can be compared. */
export function describeSchedule(events: readonly FaultEvent[]): string[] {
  return events.map(
    (e) =>
      `${(e.atMs / 1000).toFixed(2)}s ${e.kind} ${e.target}` +
      (e.durationMs > 0 ? ` for ${(e.durationMs / 1000).toFixed(2)}s` : ''),
  );
}

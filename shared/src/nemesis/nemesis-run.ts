import { seededRandom } from '../testing/seeded-random.ts';
import { describeSchedule, planSchedule } from './fault-schedule.ts';
import type { FaultEvent, FaultKind } from './fault-schedule.ts';
import type { LabControl } from './lab-control.ts';
import type { NemesisClient, NemesisWorkload, OperationOutcome } from './workload.ts';

export interface RunOptions {
  readonly seed: number;
  readonly durationMs: number;
  readonly faults: readonly FaultKind[];
  readonly ratePerSecond: number;
  readonly concurrency: number;
  readonly variant?: string;
}

export interface RunResult {
  readonly seed: number;
  readonly schedule: readonly string[];
  readonly faultsApplied: number;
  readonly counts: Readonly<Record<OperationOutcome, number>>;
  readonly valid: boolean;
  /** The checker's sentence from the first instance that found the promise broken (or the first one's). */
  readonly sentence: string;
  readonly verdicts: readonly {
    readonly service: string;
    readonly valid: boolean;
    readonly summary: string;
  }[];
}

/** Cancels a run from outside (Ctrl-C): the run stops its workload and heals before returning. */
export interface RunSignal {
  readonly aborted: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Splits `service->node`, the way link faults name their target. */
function linkOf(target: string): { service: string; node: string } {
  const [service = '', node = ''] = target.split('->');
  return { service, node };
}

/** Everything the nemesis may have broken, put back: paused resumed, dead restarted, links healed. */
export async function healAll(control: LabControl, client: NemesisClient): Promise<void> {
  for (const p of control.processes()) {
    if (p.state === 'paused') await control.act(p.name, 'resume');
  }
  for (const p of control.processes()) {
    if (p.state === 'exited') await control.act(p.name, 'restart');
  }
  for (const service of client.services) {
    await client.request(service, 'DELETE', '/chaos').catch(() => undefined);
  }
}

async function waitReady(client: NemesisClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const service of client.services) {
    for (;;) {
      const answer = await client.request(service, 'GET', '/readyz').catch(() => undefined);
      if (answer?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`${service} is not ready after ${timeoutMs} ms`);
      await sleep(200);
    }
  }
}

/** Injects one fault; answers how to heal it (the process a logical target resolved to is kept). */
async function inject(
  event: FaultEvent,
  control: LabControl,
  client: NemesisClient,
  workload: NemesisWorkload,
): Promise<() => Promise<void>> {
  switch (event.kind) {
    case 'kill':
    case 'pause':
    case 'restart': {
      const name = workload.resolveProcess
        ? await workload.resolveProcess(event.target, client)
        : event.target;
      await control.act(name, event.kind);
      if (event.kind === 'restart') return () => Promise.resolve();
      return () => control.act(name, event.kind === 'kill' ? 'restart' : 'resume');
    }
    case 'cut':
    case 'slow': {
      const { service, node } = linkOf(event.target);
      const path = `/chaos/links/${encodeURIComponent(node)}`;
      const body = event.kind === 'cut' ? { mode: 'cut' } : { mode: 'slow', delayMs: 300 };
      await client.request(service, 'PUT', path, body);
      return async () => {
        await client.request(service, 'PUT', path, { mode: 'ok' });
      };
    }
  }
}

/** Plays the schedule against the clock of this run; each fault heals after its duration. */
async function playSchedule(
  events: readonly FaultEvent[],
  workload: NemesisWorkload,
  control: LabControl,
  client: NemesisClient,
  startedAt: number,
  signal: RunSignal,
): Promise<number> {
  let applied = 0;
  await Promise.all(
    events.map(async (event) => {
      await sleep(Math.max(0, startedAt + event.atMs - Date.now()));
      if (signal.aborted) return;
      let heal: () => Promise<void>;
      try {
        heal = await inject(event, control, client, workload);
        applied += 1;
      } catch {
        return; // A fault that could not be applied is not counted; the run goes on.
      }
      await sleep(event.durationMs);
      await heal().catch(() => undefined);
    }),
  );
  return applied;
}

/**
 * One nemesis run: heal, reset, clear the history, run the seeded workload while the seeded
 * schedule injects faults, heal, let the pattern settle, then ask every instance's checker.
 */
export async function runOnce(
  workload: NemesisWorkload,
  control: LabControl,
  client: NemesisClient,
  options: RunOptions,
  signal: RunSignal,
): Promise<RunResult> {
  const schedule = planSchedule(options.seed, {
    durationMs: options.durationMs,
    kinds: options.faults,
    ratePerSecond: options.ratePerSecond,
    targets: { processes: workload.faultyProcesses, links: workload.faultyLinks ?? [] },
  });
  await healAll(control, client);
  await waitReady(client, 60_000);
  await workload.reset?.(client);
  if (options.variant) {
    const variant = workload.variants?.[options.variant];
    if (!variant) throw new Error(`${workload.pattern} has no variant ${options.variant}`);
    await variant.apply?.(client);
  }
  for (const service of client.services) await client.request(service, 'DELETE', '/history');

  const counts: Record<OperationOutcome, number> = { ok: 0, fail: 0, indeterminate: 0 };
  const startedAt = Date.now();
  const endsAt = startedAt + options.durationMs;
  const workers = Array.from({ length: options.concurrency }, async (_, worker) => {
    // Each worker's stream depends only on the seed and its index: the workload replays with the seed.
    const random = seededRandom(options.seed * 1_000 + worker + 1);
    for (let sequence = 0; Date.now() < endsAt && !signal.aborted; sequence++) {
      let outcome: OperationOutcome;
      try {
        outcome = await workload.operation({
          client,
          random,
          worker,
          sequence,
          seed: options.seed,
          variant: options.variant,
        });
      } catch {
        outcome = 'indeterminate';
      }
      counts[outcome] += 1;
    }
  });
  const [faultsApplied] = await Promise.all([
    playSchedule(schedule, workload, control, client, startedAt, signal),
    ...workers,
  ]);

  await healAll(control, client);
  await waitReady(client, 60_000);
  await sleep((workload.settleSeconds ?? 1) * 1_000);
  const verdicts = [];
  for (const service of client.services) {
    const answer = await client.request(service, 'GET', '/check');
    const body = answer.body as { valid?: boolean; summary?: string; details?: unknown } | undefined;
    const check = {
      valid: answer.status === 200 && body?.valid === true,
      summary: body?.summary ?? `GET /check answered ${answer.status}`,
      details: body?.details,
    };
    const stricter = check.valid ? workload.judge?.(check, options.variant) : undefined;
    verdicts.push({
      service,
      valid: check.valid && stricter === undefined,
      summary: stricter ?? check.summary,
    });
  }
  const broken = verdicts.find((v) => !v.valid);
  return {
    seed: options.seed,
    schedule: describeSchedule(schedule),
    faultsApplied,
    counts,
    valid: broken === undefined,
    sentence: (broken ?? verdicts[0])?.summary ?? '',
    verdicts,
  };
}

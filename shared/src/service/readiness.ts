import { AppError } from './app-error.ts';

/**
 * A dependency the service needs. A failing critical check makes /readyz 503;
 * a failing non-critical one only marks the service `degraded` (e.g. a cache).
 */
export interface ReadinessCheck {
  readonly name: string;
  readonly critical?: boolean;
  /** Resolves when healthy; rejects with the reason. */
  readonly check: () => Promise<unknown>;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  critical: boolean;
  detail?: string;
  latencyMs: number;
}

// Readiness must answer fast even when a dependency hangs (a paused Redis).
const checkTimeoutMs = 500;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Runs every check in parallel and decides ready / degraded / not ready. */
export async function evaluateReadiness(
  checks: readonly ReadinessCheck[],
): Promise<{ status: 'ready' | 'degraded'; checks: CheckResult[] }> {
  const results = await Promise.all(
    checks.map(async (c): Promise<CheckResult> => {
      const started = performance.now();
      const critical = c.critical ?? true;
      try {
        await withTimeout(Promise.resolve().then(c.check), checkTimeoutMs);
        return { name: c.name, ok: true, critical, latencyMs: Math.round(performance.now() - started) };
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return {
          name: c.name,
          ok: false,
          critical,
          detail,
          latencyMs: Math.round(performance.now() - started),
        };
      }
    }),
  );
  const down = results.filter((r) => !r.ok && r.critical);
  if (down.length > 0) {
    throw new AppError(
      'NOT_READY',
      `Not ready: ${down.map((r) => `${r.name} (${r.detail ?? 'failed'})`).join(', ')}`,
      {
        extras: { checks: results },
      },
    );
  }
  return { status: results.some((r) => !r.ok) ? 'degraded' : 'ready', checks: results };
}

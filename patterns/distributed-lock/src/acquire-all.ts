import { isAppError } from '@kvs-lab/shared/service';
import { firstDuplicate, lockOrder } from './domain/lock-order.ts';
import type { AcquireInput, AcquireManyInput, Clock, Lease } from './lock-backend.ts';
import { AppError } from './errors.ts';
import type { ErrorCode } from './errors.ts';

/**
 * POST /locks for any engine: all or nothing. Taken one by one in `order`; on
 * any failure the ones already held are released. `stepDelayMs` stands for
 * work done between two acquisitions, so the lab can show what the naive
 * order does. The first leases run down while the later ones are taken, so
 * the answer is given only if every one is still valid.
 */
export async function acquireAll(
  engine: {
    acquire(input: AcquireInput): Promise<Lease>;
    release(resource: string, token: string): Promise<void>;
    readonly stats: { outcomes: { tooSlow: number } };
  },
  clock: Clock,
  input: AcquireManyInput,
): Promise<Lease[]> {
  const duplicate = firstDuplicate(input.resources);
  if (duplicate !== undefined) {
    throw new AppError('VALIDATION_FAILED', `"${duplicate}" is listed twice.`, {
      extras: { errors: [{ path: 'resources', message: `duplicate resource ${duplicate}` }] },
    });
  }
  const deadline = clock.monotonicMs() + input.waitMs;
  const held: Lease[] = [];
  // When each lease's validity started counting, on the monotonic clock.
  const grantedAt: number[] = [];
  try {
    for (const resource of lockOrder(input.resources, input.order)) {
      if (held.length > 0 && input.stepDelayMs > 0)
        await new Promise((r) => setTimeout(r, input.stepDelayMs));
      const waitMs = input.waitMs === 0 ? 0 : Math.max(1, Math.round(deadline - clock.monotonicMs()));
      held.push(await engine.acquire({ resource, ttlMs: input.ttlMs, waitMs, owner: input.owner }));
      grantedAt.push(clock.monotonicMs());
    }
    const now = clock.monotonicMs();
    const remaining = held.map((lease, i) => Math.floor(lease.validityMs - (now - (grantedAt[i] ?? now))));
    const shortest = Math.min(...remaining);
    if (shortest <= 0) {
      const lapsed = held[remaining.indexOf(shortest)];
      engine.stats.outcomes.tooSlow += 1;
      throw new AppError(
        'ACQUIRE_TOO_SLOW',
        `The lease on "${lapsed?.resource ?? ''}" ran out (ttlMs=${input.ttlMs}) before the last resource was granted.`,
        { extras: { resource: lapsed?.resource ?? '', elapsedMs: Math.round(now - (grantedAt[0] ?? now)) } },
      );
    }
    // Every lease is answered with what is left of it; the smallest is the set's validity.
    return held.map((lease, i) => {
      const validityMs = remaining[i] ?? 0;
      return { ...lease, validityMs, expiresAtMs: clock.nowMs() + validityMs };
    });
  } catch (error) {
    for (const lease of [...held].reverse())
      await engine.release(lease.resource, lease.token).catch(() => undefined);
    if (isAppError(error)) {
      // The engines throw this pattern's codes or the kit's: the same code, with what was undone.
      throw new AppError(
        error.code as ErrorCode,
        `${error.message} Released the ${held.length} locks already taken.`,
        {
          extras: { ...error.extras, releasedAgain: held.map((l) => l.resource) },
          outcome: error.outcome,
        },
      );
    }
    throw error;
  }
}

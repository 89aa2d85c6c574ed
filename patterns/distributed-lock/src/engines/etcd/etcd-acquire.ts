import type { LockConfig } from '../../config.ts';
import type { AttemptOutcome } from '../../domain/attempt-view.ts';
import { validityMs } from '../../domain/quorum.ts';
import type { WaitHistogram } from '../../domain/wait-histogram.ts';
import { AppError } from '../../errors.ts';
import type { AcquireInput, Clock, Lease, LockStats } from '../../lock-backend.ts';
import type { LiveEmit } from '../../realtime/events.ts';
import { EtcdCallError, reasonOf, waiterId } from './etcd-calls.ts';
import type { EtcdCalls } from './etcd-calls.ts';
import { etcdKeys } from './etcd-keys.ts';
import type { ContenderValue } from './etcd-keys.ts';
import type { EtcdWaitQueue } from './etcd-wait-queue.ts';

// etcd leases count whole seconds, and the server raises anything below its minimum TTL (about 2 s here).
const leaseSeconds = (ttlMs: number) => Math.max(2, Math.ceil(ttlMs / 1_000));

/** What one try at the etcd recipe needs from the backend. */
export interface EtcdAcquireParts {
  readonly calls: EtcdCalls;
  readonly queue: EtcdWaitQueue;
  readonly config: LockConfig;
  readonly clock: Clock;
  readonly stats: LockStats;
  readonly waitHistogram: WaitHistogram;
  readonly emit: LiveEmit;
  showAttempt(outcome: AttemptOutcome, fencingToken?: number | null): void;
  granted(lease: Lease): Lease;
}

/** One try; etcd failures come out as EtcdCallError, after our lease was given up. */
export async function acquireOnce(
  parts: EtcdAcquireParts,
  input: AcquireInput,
  attempt: { token: string; started: number },
): Promise<Lease> {
  const { calls, queue, config, clock, stats } = parts;
  const { resource, owner } = input;
  const { token, started } = attempt;
  const deadline = started + input.waitMs;
  const key = etcdKeys.contender(resource, token);
  let lease: string;
  let ttlSeconds: number;
  try {
    const granted = await calls.call('lease-grant', (o) =>
      calls.client.leaseClient.leaseGrant({ TTL: leaseSeconds(input.ttlMs), ID: 0 }, o),
    );
    lease = granted.ID;
    ttlSeconds = Number(granted.TTL);
  } catch (error) {
    throw error instanceof EtcdCallError ? error : new EtcdCallError('lease-grant', reasonOf(error));
  }
  let renewedAt = clock.monotonicMs();
  const giveUp = async () => {
    // Revoking deletes our key with the lease; if that fails too, the lease lapses on its own.
    await calls
      .call('lease-revoke', (o) => calls.client.leaseClient.leaseRevoke({ ID: lease }, o))
      .catch(() => undefined);
  };
  const value: ContenderValue = { owner, instance: config.instance };
  try {
    await calls.call('create', (o) =>
      calls.client.kv.txn(
        {
          compare: [{ key: Buffer.from(key), target: 'Create', result: 'Equal', create_revision: 0 }],
          success: [
            { request_put: { key: Buffer.from(key), value: Buffer.from(JSON.stringify(value)), lease } },
          ],
          failure: [],
        },
        o,
      ),
    );
    let hasWaited = false;
    for (;;) {
      const { all } = await calls.contenders(resource);
      const mine = all.findIndex((c) => c.key === key);
      if (mine === -1) {
        // Our lease lapsed while we waited (this process paused past the TTL): nothing is ours.
        throw new AppError(
          'LOCK_WAIT_TIMEOUT',
          `This waiter's lease on "${resource}" lapsed before its turn.`,
          {
            extras: { resource, waitMs: input.waitMs },
          },
        );
      }
      const me = all[mine];
      if (mine === 0 && me) {
        // Our turn: renew so the validity counts from now, not from when we joined the queue.
        const keepStarted = clock.monotonicMs();
        const ttlNow = await calls.keepAlive(lease);
        if (ttlNow <= 0)
          throw new AppError('LOCK_WAIT_TIMEOUT', `The lease on "${resource}" lapsed.`, {
            extras: { resource },
          });
        const elapsedMs = clock.monotonicMs() - keepStarted;
        const validity = validityMs({ ttlMs: ttlNow * 1_000, elapsedMs, driftFactor: config.driftFactor });
        const waitedMs = clock.monotonicMs() - started;
        if (hasWaited) {
          stats.waitMs.add(waitedMs);
          parts.waitHistogram.observe(waitedMs);
        }
        parts.showAttempt('granted', me.createRevision);
        return parts.granted({
          resource,
          token,
          fencingToken: me.createRevision,
          owner,
          instance: config.instance,
          validityMs: validity,
          expiresAtMs: clock.nowMs() + validity,
          waitedMs: Math.round(hasWaited ? waitedMs : 0),
          nodes: ['etcd'],
        });
      }
      const holder = all[0];
      if (input.waitMs === 0) {
        parts.showAttempt('held');
        stats.contention += 1;
        stats.outcomes.held += 1;
        throw new AppError('LOCK_HELD', `"${resource}" is held by ${holder?.value.owner ?? 'someone'}.`, {
          extras: { resource, holder: holder?.value.owner ?? '', queuedAhead: mine },
        });
      }
      if (!hasWaited) {
        hasWaited = true;
        parts.showAttempt('queued');
        stats.contention += 1;
        parts.emit('queue:joined', {
          resource,
          waiter: waiterId(me),
          owner,
          ticket: me?.createRevision ?? 0,
        });
      }
      const remaining = deadline - clock.monotonicMs();
      if (remaining <= 0) {
        stats.timeouts += 1;
        stats.outcomes.timeout += 1;
        throw new AppError(
          'LOCK_WAIT_TIMEOUT',
          `"${resource}" was not granted within waitMs=${input.waitMs}; this waiter left the queue.`,
          {
            extras: { resource, waitMs: input.waitMs, holder: holder?.value.owner ?? '', queuedAhead: mine },
          },
        );
      }
      // The recipe: wait for the key just before ours to go, renewing our lease meanwhile.
      const predecessor = all[mine - 1];
      const renewEveryMs = (ttlSeconds * 1_000) / 3;
      await queue.waitForDelete(
        predecessor?.key ?? '',
        Math.min(remaining, renewEveryMs, config.queuePollMs * 20),
      );
      if (clock.monotonicMs() - renewedAt >= renewEveryMs) {
        await calls.keepAlive(lease);
        renewedAt = clock.monotonicMs();
      }
    }
  } catch (error) {
    await giveUp();
    throw error;
  } finally {
    queue.trim();
  }
}

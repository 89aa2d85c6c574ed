import type { DeliveryAttempt } from '../store/script-replies.ts';

/** One room run's answer: the attempts the script made, or the error the room failed with on its own. */
export type RunAnswer =
  | { readonly attempts: readonly DeliveryAttempt[] }
  | { readonly attempts: readonly []; readonly error: Error };

/** Redis refusing work whatever the keys (full, a replica, loading, busy, not persisting): nobody's data is at fault. */
const redisStateCodes =
  /^(OOM|READONLY|LOADING|BUSY|MISCONF|MASTERDOWN|NOREPLICAS|TRYAGAIN|CLUSTERDOWN|NOSCRIPT|NOPERM)\b/;

/**
 * Redis answered the script with an error that comes from the data it met (a key of the wrong type; the
 * script's own refusal), as opposed to a link fault, whose outcome is unknown, or a Redis that refuses
 * everything for now.
 */
export function isDataError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError' && !redisStateCodes.test(error.message);
}

/**
 * Applies a batch of room runs in one call and, when the data makes that call fail, applies them again one
 * room per call, so a room whose keys break the script holds up only itself: without this, one such room
 * would stall every room of every batch it is part of. deliver.lua writes nothing when it fails, so no room
 * is applied twice (and the applied marks would catch it if one were). Any other error is thrown: the worker
 * keeps the whole batch and retries it, as before.
 *
 * `maxApplied` (0 = no limit) caps the effects of the whole batch, in the one call or summed over the rooms'.
 */
export async function applyIsolatingRooms<Run>(
  runs: readonly Run[],
  maxApplied: number,
  apply: (runs: readonly Run[], maxApplied: number) => Promise<readonly (readonly DeliveryAttempt[])[]>,
): Promise<RunAnswer[]> {
  try {
    return (await apply(runs, maxApplied)).map((attempts) => ({ attempts }));
  } catch (error) {
    if (!isDataError(error)) throw error;
    if (runs.length === 1) return [{ attempts: [], error }];
    const answers: RunAnswer[] = [];
    let left = maxApplied;
    for (const run of runs) {
      if (maxApplied > 0 && left <= 0) {
        // The cap is reached: like the rooms after it in one call, this one is not attempted.
        answers.push({ attempts: [] });
        continue;
      }
      try {
        const [attempts = []] = await apply([run], left);
        answers.push({ attempts });
        if (maxApplied > 0) left -= attempts.filter((a) => a.outcome === 'APPLIED').length;
      } catch (roomError) {
        if (!isDataError(roomError)) throw roomError;
        answers.push({ attempts: [], error: roomError });
      }
    }
    return answers;
  }
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pollIntervalsMs, QueueSleepers } from './queue-sleepers.ts';

describe('the waiters of one instance between attempts', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const newSleepers = () => new QueueSleepers({ head: 50, behind: 500 }, () => Date.now());

  /** Whether each promise has settled, after the microtasks queued so far. */
  async function settled(...sleeps: Promise<void>[]): Promise<boolean[]> {
    const done = sleeps.map(() => false);
    sleeps.forEach((p, i) => void p.then(() => (done[i] = true)));
    await vi.advanceTimersByTimeAsync(0);
    return done;
  }

  it('when a release is heard, then only the waiter with the lowest ticket is woken, however often it is heard', async () => {
    const sleepers = newSleepers();
    const first = sleepers.join('r', 7);
    const second = sleepers.join('r', 9);
    const third = sleepers.join('r', 8);
    const sleeps = [
      sleepers.sleep(first, 10_000),
      sleepers.sleep(second, 10_000),
      sleepers.sleep(third, 10_000),
    ];
    // Five nodes announce the release, and the releasing instance wakes the head itself too.
    for (let i = 0; i < 6; i++) sleepers.wakeHead('r');
    expect(await settled(...sleeps)).toEqual([true, false, false]);
  });

  it('when a release is heard while the head is voting, then its next sleep ends at once, once', async () => {
    const sleepers = newSleepers();
    const head = sleepers.join('r', 1);
    sleepers.wakeHead('r');
    sleepers.wakeHead('r');
    expect(await settled(sleepers.sleep(head, 10_000))).toEqual([true]);
    expect(await settled(sleepers.sleep(head, 10_000))).toEqual([false]);
  });

  it('when nothing wakes them, then the head polls at its interval and the others at theirs, never past their deadline', async () => {
    const sleepers = newSleepers();
    const head = sleepers.join('r', 1);
    const behind = sleepers.join('r', 2);
    const nearDeadline = sleepers.join('r', 3);
    const sleeps = [
      sleepers.sleep(head, 10_000),
      sleepers.sleep(behind, 10_000),
      sleepers.sleep(nearDeadline, 20),
    ];
    await vi.advanceTimersByTimeAsync(20);
    expect(await settled(...sleeps)).toEqual([false, false, true]);
    await vi.advanceTimersByTimeAsync(30);
    expect(await settled(...sleeps)).toEqual([true, false, true]);
    await vi.advanceTimersByTimeAsync(450);
    expect(await settled(...sleeps)).toEqual([true, true, true]);
  });

  it('when the head leaves, then the next waiter becomes the head: polled at the head interval and woken by the next release', async () => {
    const sleepers = newSleepers();
    const head = sleepers.join('r', 1);
    const next = sleepers.join('r', 2);
    const last = sleepers.join('r', 3);
    const nextSleep = sleepers.sleep(next, 10_000);
    const lastSleep = sleepers.sleep(last, 10_000);
    sleepers.leave(head);
    await vi.advanceTimersByTimeAsync(50);
    expect(await settled(nextSleep, lastSleep)).toEqual([true, false]);

    const again = sleepers.sleep(next, 10_000);
    sleepers.wakeHead('r');
    expect(await settled(again, lastSleep)).toEqual([true, false]);
  });

  it('when resources differ, then a release of one wakes nobody waiting for another', async () => {
    const sleepers = newSleepers();
    const sleep = sleepers.sleep(sleepers.join('other', 1), 10_000);
    sleepers.wakeHead('r');
    expect(await settled(sleep)).toEqual([false]);
  });

  it('the waiters behind the head vote four times per queue lease, never less often than the head', () => {
    expect(pollIntervalsMs(50, 2_000)).toEqual({ head: 50, behind: 500 });
    expect(pollIntervalsMs(50, 100)).toEqual({ head: 50, behind: 50 });
  });
});

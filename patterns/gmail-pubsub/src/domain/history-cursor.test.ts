import { describe, expect, it } from 'vitest';
import { applyHistory, newToApp, onPush } from './history-cursor.ts';

describe('history cursor (client-side catch-up)', () => {
  it('when a push is one past the cursor, then it is delivered and becomes the cursor', () => {
    expect(onPush(4, 5)).toEqual({ kind: 'deliver', cursor: 5 });
    expect(onPush(undefined, 17)).toEqual({ kind: 'deliver', cursor: 17 });
  });

  it('when a push is at or below the cursor, then it is a duplicate', () => {
    expect(onPush(5, 5)).toEqual({ kind: 'duplicate' });
    expect(onPush(5, 2)).toEqual({ kind: 'duplicate' });
  });

  it('when a push jumps ahead, then the client must sync since its cursor', () => {
    expect(onPush(5, 9)).toEqual({ kind: 'gap', sinceHistoryId: 5, missing: 3 });
  });

  it('when a history page overlaps what was delivered, then only newer events are handed over, in order, once', () => {
    const events = [7, 5, 6, 6, 8, 4].map((historyId) => ({ historyId }));
    const merged = applyHistory(5, events);
    expect(merged.deliver.map((e) => e.historyId)).toEqual([6, 7, 8]);
    expect(merged.cursor).toBe(8);
    expect(applyHistory(8, events)).toEqual({ cursor: 8, deliver: [] });
  });

  it('pushes and syncs interleaved in any order hand the app every historyId exactly once', () => {
    let cursor: number | undefined = 0;
    const handed: number[] = [];
    // Pushes arrive out of order and repeated; after every gap the client syncs from a complete history.
    for (const pushed of [1, 2, 5, 3, 4, 6, 6, 9, 7, 10]) {
      const decision = onPush(cursor, pushed);
      if (decision.kind === 'deliver') {
        handed.push(pushed);
        cursor = decision.cursor;
      } else if (decision.kind === 'gap') {
        const history = Array.from({ length: pushed }, (_, i) => ({ historyId: i + 1 }));
        const merged: { cursor: number | undefined; deliver: readonly { historyId: number }[] } =
          applyHistory(cursor, history);
        handed.push(...merged.deliver.map((e) => e.historyId));
        cursor = merged.cursor;
      }
    }
    expect(handed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('full sync (client-side)', () => {
  const mail = (historyId: number, messageId: string) => ({ historyId, messageId });

  it('when a page holds mail the app already has, then only the unseen ones come back, oldest first, once each', () => {
    const page = [mail(9, 'm9'), mail(7, 'm7'), mail(8, 'm8'), mail(9, 'm9')];
    expect(newToApp(new Set(['m7']), page)).toEqual([mail(8, 'm8'), mail(9, 'm9')]);
  });

  it('when the historyIds restarted (a reset), then mails with ids the app saw before are still new to it', () => {
    expect(newToApp(new Set(['old-1', 'old-2']), [mail(1, 'new-1'), mail(2, 'new-2')])).toEqual([
      mail(1, 'new-1'),
      mail(2, 'new-2'),
    ]);
  });
});

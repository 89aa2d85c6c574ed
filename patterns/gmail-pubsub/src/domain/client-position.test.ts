import { describe, expect, it } from 'vitest';
import {
  historyExpired,
  historySynced,
  mailAnnounced,
  pushAcknowledged,
  unknownPosition,
} from './client-position.ts';

describe("the server's view of a client's cursor", () => {
  it('when pushes are acknowledged in order, then the cursor follows them to the latest historyId', () => {
    let position = unknownPosition;
    for (const historyId of [1, 2, 3]) {
      position = pushAcknowledged(mailAnnounced(position, historyId), historyId);
    }
    expect(position).toMatchObject({ cursor: 3, latest: 3 });
  });

  it('when a push is dropped, then the cursor stays behind the latest historyId until a sync', () => {
    let position = pushAcknowledged(mailAnnounced(unknownPosition, 1), 1);
    position = mailAnnounced(mailAnnounced(position, 2), 3);
    position = pushAcknowledged(position, 3);
    expect(position).toMatchObject({ cursor: 1, latest: 3 });
    position = historySynced(position, { sinceHistoryId: 1, resumeFrom: 3, count: 2, latest: 3 });
    expect(position).toEqual({
      cursor: 3,
      latest: 3,
      lastCatchUp: { kind: 'sync', fromHistoryId: 1, toHistoryId: 3, count: 2 },
    });
  });

  it('when history expired, then the cursor is unknown until the next acknowledged push', () => {
    const expired = historyExpired(unknownPosition, { sinceHistoryId: 2, latest: 10 });
    expect(expired).toMatchObject({ cursor: null, latest: 10, lastCatchUp: { kind: 'full-sync' } });
    expect(pushAcknowledged(mailAnnounced(expired, 11), 11)).toMatchObject({ cursor: 11, latest: 11 });
  });

  it('when a sync answers from a reconnect, then the catch-up says from where to where', () => {
    const position = historySynced(unknownPosition, {
      sinceHistoryId: 1,
      resumeFrom: 4,
      count: 3,
      latest: 4,
    });
    expect(position.lastCatchUp).toEqual({ kind: 'sync', fromHistoryId: 1, toHistoryId: 4, count: 3 });
    expect(position.cursor).toBe(4);
  });

  it('when a later sync finds nothing missing, then the last catch-up stays the one that brought mail', () => {
    const caughtUp = historySynced(unknownPosition, {
      sinceHistoryId: 1,
      resumeFrom: 4,
      count: 3,
      latest: 4,
    });
    const again = historySynced(caughtUp, { sinceHistoryId: 4, resumeFrom: 4, count: 0, latest: 4 });
    expect(again).toEqual(caughtUp);
  });
});

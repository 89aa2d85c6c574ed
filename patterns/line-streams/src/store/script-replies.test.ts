import { describe, expect, it } from 'vitest';
import { decodeDeliverReply } from './script-replies.ts';

describe("deliver.lua's reply", () => {
  it('when each run comes as one string of outcome:deliveries, then it decodes to one attempt per entry, an empty string to none', () => {
    expect(decodeDeliverReply([['APPLIED:1,DUPLICATE:2,NOT_YET:1', '', 'GONE:0'], 3])).toEqual({
      runs: [
        [
          { outcome: 'APPLIED', deliveries: 1 },
          { outcome: 'DUPLICATE', deliveries: 2 },
          { outcome: 'NOT_YET', deliveries: 1 },
        ],
        [],
        [{ outcome: 'GONE', deliveries: 0 }],
      ],
      skipped: 3,
    });
  });

  it('when a run is not in that shape, then decoding throws: a bug in the script, not input', () => {
    expect(() => decodeDeliverReply([[['APPLIED', 1]], 0])).toThrow('deliver.lua answered');
    expect(() => decodeDeliverReply([['APPLIED'], 0])).toThrow('deliver.lua answered');
    expect(() => decodeDeliverReply([['LOST:1'], 0])).toThrow('unknown delivery outcome');
  });
});

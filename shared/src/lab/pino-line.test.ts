import { describe, expect, it } from 'vitest';
import { formatPinoLine } from './pino-line.ts';

describe('formatPinoLine', () => {
  it('turns a pino JSON line into level, message and the remaining fields', () => {
    const line =
      '{"level":40,"time":1,"pid":2,"hostname":"h","instance":"lock-a","node":"lock-3","msg":"link cut","delayMs":300}';
    expect(formatPinoLine(line)).toBe('WARN   link cut  node=lock-3  delayMs=300');
  });

  it('leaves lines that are not pino JSON untouched', () => {
    expect(formatPinoLine('1:M 22 Nov * Ready to accept connections')).toBe(
      '1:M 22 Nov * Ready to accept connections',
    );
    expect(formatPinoLine('{"level": broken')).toBe('{"level": broken');
  });
});

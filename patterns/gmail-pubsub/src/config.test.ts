import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig } from './config.ts';

describe('configuration', () => {
  it('when nothing is set, then every variable has its documented default', () => {
    expect(loadConfig({})).toEqual(defaultConfig());
    expect(loadConfig({})).toMatchObject({
      PORT: 7201,
      BACKPRESSURE_POLICY: 'drop-oldest',
      OUTBOX_WINDOW: 16,
      OUTBOX_CAPACITY: 64,
      HISTORY_MAX_COUNT: 1_000,
      SOCKET_MAX_BUFFER_BYTES: 16_384,
    });
  });

  it('when a variable is wrong, then start-up fails naming every bad one', () => {
    expect(() => loadConfig({ BACKPRESSURE_POLICY: 'drop-newest', OUTBOX_CAPACITY: '0' })).toThrow(
      /BACKPRESSURE_POLICY[\s\S]*OUTBOX_CAPACITY|OUTBOX_CAPACITY[\s\S]*BACKPRESSURE_POLICY/,
    );
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});

import { describe, expect, it } from 'vitest';
import { RedisServerNotFoundError, resolveRedisServerBin } from './redis-binary.ts';

describe('resolveRedisServerBin', () => {
  it('when REDIS_SERVER_BIN is set to an executable, then that binary is used', () => {
    const bin = resolveRedisServerBin(process.env);
    expect(resolveRedisServerBin({ REDIS_SERVER_BIN: bin, PATH: '' })).toBe(bin);
  });

  it('when redis-server is not on PATH, then the error says how to install it', () => {
    expect(() => resolveRedisServerBin({ PATH: '/nonexistent' })).toThrow(RedisServerNotFoundError);
    expect(() => resolveRedisServerBin({ PATH: '/nonexistent' })).toThrow(
      /not found on PATH.*apt install redis-server.*brew install redis.*REDIS_SERVER_BIN/,
    );
  });

  it('when REDIS_SERVER_BIN points at a missing file, then the error names it', () => {
    expect(() => resolveRedisServerBin({ REDIS_SERVER_BIN: '/nope/redis-server' })).toThrow(
      /REDIS_SERVER_BIN=\/nope\/redis-server is not an executable file/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('config', () => {
  it('when nothing is set, then every variable has its default and the 8 lab nodes are used', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 7501, virtualNodes: 160, activeShards: 3, missedPingsToFail: 3 });
    expect(config.redisNodes.map((n) => `${n.name}:${n.port}`)).toContain('shard-4-replica:7518');
    expect(config.autoscale.isEnabled).toBe(false);
    expect(config.hotKeys.mitigation).toBe('off');
  });

  it('when a variable is out of range or malformed, then start-up fails with a message naming each of them', () => {
    expect(() => loadConfig({ VIRTUAL_NODES: '0', HOT_KEY_MITIGATION: 'magic' })).toThrow(
      /VIRTUAL_NODES.*HOT_KEY_MITIGATION/,
    );
    expect(() => loadConfig({ REDIS_NODES: 'not-a-list' })).toThrow(/REDIS_NODES/);
    expect(() => loadConfig({ AUTOSCALE_ENABLED: 'yes' })).toThrow(/AUTOSCALE_ENABLED/);
  });
});

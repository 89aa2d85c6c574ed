import { describe, expect, it } from 'vitest';
import { envDigest, isSettingName, settingsChanges, upCommandLine } from './run-settings.ts';

describe('run settings', () => {
  it('counts settings variables, not the shell, terminal or pnpm ones', () => {
    expect(isSettingName('LOG_LEVEL')).toBe(true);
    expect(isSettingName('LAB_ADMIN_TOKEN')).toBe(true);
    for (const ambient of [
      'PATH',
      'PWD',
      'TERM_SESSION_ID',
      'npm_config_user_agent',
      'LC_ALL',
      'LAB_PORT_OFFSET',
    ]) {
      expect(isSettingName(ambient), ambient).toBe(false);
    }
  });

  it('keeps digests, never values, and names what changed', () => {
    const before = envDigest({ LOG_LEVEL: 'info', LAB_ADMIN_TOKEN: 'secret', PATH: '/bin' });
    expect(JSON.stringify(before)).not.toContain('secret');
    expect(Object.keys(before)).toEqual(['LAB_ADMIN_TOKEN', 'LOG_LEVEL']);
    const after = envDigest({ LOG_LEVEL: 'debug', QUORUM_W: '1', PATH: '/usr/bin' });
    expect(
      settingsChanges(
        { engine: 'router', size: null, envDigest: before },
        { engine: 'etcd', size: 5, envDigest: after },
      ),
    ).toEqual([
      'engine router -> etcd',
      'size default -> 5',
      'now set: QUORUM_W',
      'no longer set: LAB_ADMIN_TOKEN',
      'changed: LOG_LEVEL',
    ]);
    expect(
      settingsChanges(
        { engine: null, size: null, envDigest: before },
        { engine: null, size: null, envDigest: before },
      ),
    ).toEqual([]);
  });

  it('writes the command line a learner would type again', () => {
    expect(upCommandLine('distributed-lock', { engine: 'etcd', size: 5, detach: true }, ['--restart'])).toBe(
      'pnpm lab up distributed-lock --engine etcd --size 5 --detach --restart',
    );
  });
});

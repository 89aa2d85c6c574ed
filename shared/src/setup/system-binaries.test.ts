import { describe, expect, it } from 'vitest';
import { findOnPath } from '../process/program-binary.ts';
import { ensureSystemPrograms, installCommand, MissingSystemProgramError } from './system-binaries.ts';

describe('system programs the lab needs', () => {
  it('when every program is on PATH, then nothing is installed or logged', () => {
    const lines: string[] = [];
    ensureSystemPrograms(['redis', 'etcd'], { log: (line) => lines.push(line) });
    expect(lines).toEqual([]);
    expect(findOnPath('redis-server')).toBeDefined();
  });

  it('when a program is missing and installing is not allowed, then it stops at once with the exact command', () => {
    const env = { ...process.env, PATH: '/nonexistent', LAB_NO_INSTALL: '1' };
    expect(() => ensureSystemPrograms(['etcd'], { env, log: () => undefined })).toThrow(
      MissingSystemProgramError,
    );
    expect(() => ensureSystemPrograms(['etcd'], { env, log: () => undefined })).toThrow(
      /apt-get install -y etcd-server etcd-client|brew install etcd/,
    );
  });

  it('names the packages of every missing program in one command', () => {
    expect(installCommand(['redis', 'etcd'])).toMatch(
      /redis-server redis-tools etcd-server etcd-client|brew install redis etcd/,
    );
  });
});

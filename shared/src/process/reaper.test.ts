import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPidAlive, waitForPidExit } from './pid-control.ts';
import { startReaper, writePidFile } from './reaper.ts';
import { RedisServerProcess } from './redis-server.ts';
import { findFreePort } from './free-port.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'kvs-lab-reaper-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('startReaper', () => {
  it('when the watched process dies, then every listed pid is SIGKILLed, even a paused one', async () => {
    const watched = spawn('sleep', ['30'], { stdio: 'ignore' });
    const redis = await RedisServerProcess.start({
      port: await findFreePort(),
      dir: path.join(scratch, 'node'),
    });
    redis.pause();
    const pidFile = path.join(scratch, 'pids');
    const leftover = path.join(scratch, 'leftover');
    writePidFile(pidFile, [redis.pid ?? 0]);
    const reaperPid = startReaper({
      watchPid: watched.pid ?? 0,
      pidFile,
      removePaths: [leftover],
      pollMs: 50,
    });

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(redis.isRunning).toBe(true);
    watched.kill('SIGKILL');

    expect(await waitForPidExit(redis.pid ?? 0, 2_000)).toBe(true);
    expect(await waitForPidExit(reaperPid, 2_000)).toBe(true);
    expect(existsSync(pidFile)).toBe(false);
    expect(isPidAlive(reaperPid)).toBe(false);
  });
});

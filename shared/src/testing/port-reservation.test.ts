import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { reservePortOffset } from './port-reservation.ts';

describe('port reservations', () => {
  it('when an offset is claimed, then a second claim of the same ports takes another offset', async () => {
    const offsets = [23_400, 23_400, 23_500];
    const first = await reservePortOffset([7001, 7002], () => offsets.shift() ?? 23_600);
    const second = await reservePortOffset([7001, 7002], () => offsets.shift() ?? 23_600);
    expect(first.offset).toBe(23_400);
    expect(second.offset).toBe(23_500);
    first.release();
    const again = await reservePortOffset([7001, 7002], () => 23_400);
    expect(again.offset).toBe(23_400);
    second.release();
    again.release();
  });

  it('when the claiming process is gone, then its claim is stale and taken over', async () => {
    // A child claims the ports and exits without releasing (killed): its pid is dead.
    const script = `
      import { reservePortOffset } from ${JSON.stringify(new URL('./port-reservation.ts', import.meta.url).pathname)};
      await reservePortOffset([7003], () => 23_700);
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    // Killed by itself after claiming: had the claim failed, it would have exited with an error instead.
    expect(child.signal, child.stderr.toString()).toBe('SIGKILL');
    const taken = await reservePortOffset([7003], () => 23_700, 1);
    expect(taken.offset).toBe(23_700);
    taken.release();
  });

  it('when no offset works, then it says so instead of looping', async () => {
    const held = await reservePortOffset([7004], () => 23_800);
    await expect(reservePortOffset([7004], () => 23_800, 3)).rejects.toThrow(/no port offset/);
    held.release();
  });
});

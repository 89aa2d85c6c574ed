import { describe, expect, it } from 'vitest';
import { toProcessStatus } from './lab-status.ts';

describe('toProcessStatus', () => {
  it('puts each extra port beside port, as `status --json` promises', () => {
    const status = toProcessStatus({
      name: 'lsm-node',
      role: 'service',
      pid: process.pid,
      port: 7701,
      url: 'http://127.0.0.1:7701',
      state: 'running',
      extraPorts: { respPort: 7702 },
    });
    expect(status).toEqual({
      name: 'lsm-node',
      role: 'service',
      pid: process.pid,
      port: 7701,
      url: 'http://127.0.0.1:7701',
      state: 'running',
      respPort: 7702,
    });
  });

  it('when the recorded pid no longer runs, then it reports no pid and state exited', () => {
    const status = toProcessStatus({
      name: 'demo-redis',
      role: 'redis',
      pid: 2 ** 22 + 1, // above any pid_max: cannot exist
      port: 7010,
      url: 'redis://127.0.0.1:7010',
      state: 'running',
      extraPorts: {},
    });
    expect(status).toMatchObject({ pid: null, state: 'exited' });
  });
});

import net from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { findFreePort, isPortFree } from './free-port.ts';
import { findPortOwner } from './port-owner.ts';

describe('ports', () => {
  it('a port found free can be bound, and reads as taken while something listens on it', async () => {
    const port = await findFreePort();
    expect(await isPortFree(port)).toBe(true);
    const server = net.createServer().listen(port, '127.0.0.1');
    await once(server, 'listening');
    expect(await isPortFree(port)).toBe(false);
    if (process.platform === 'linux') {
      expect(findPortOwner(port)).toMatchObject({ pid: process.pid });
    }
    await new Promise((resolve) => server.close(resolve));
  });
});

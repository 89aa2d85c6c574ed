import net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand, RedisTimeoutError, sendRedisCommand } from '../process/resp-client.ts';
import { startRedis, stopAllRedis, type RedisHandle } from './redis-harness.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

let redis: RedisHandle;

beforeAll(async () => {
  redis = await startRedis({ name: 'behind-proxy' });
});
afterAll(stopAllRedis);

/** A long-lived connection through the proxy that records every byte it receives. */
async function openConnection(port: number): Promise<{ socket: net.Socket; received: () => string }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return { socket, received: () => text };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const startedAt = performance.now();
  const value = await work();
  return { value, elapsedMs: performance.now() - startedAt };
}

describe('startTcpProxy', () => {
  let proxy: TcpProxy;

  beforeAll(async () => {
    proxy = await startTcpProxy({ targetPort: redis.port });
  });
  afterAll(() => proxy.close());

  it('forwards commands to the target', async () => {
    expect(await sendRedisCommand(proxy.port, ['PING'])).toBe('PONG');
  });

  it('when a delay is set, then each direction is late by it, and 0 removes it', async () => {
    proxy.setDelay(1_000);
    const slow = await timed(() => sendRedisCommand(proxy.port, ['PING'], { timeoutMs: 30_000 }));
    expect(slow.value).toBe('PONG');
    expect(slow.elapsedMs).toBeGreaterThanOrEqual(1_990); // request and reply each wait 1 s
    proxy.setDelay(0);
    const fast = await timed(() => sendRedisCommand(proxy.port, ['PING']));
    // Without the delay it is back under one direction's delay, with room for a loaded machine.
    expect(fast.elapsedMs).toBeLessThan(1_000);
  });

  it('when the link is cut, then open connections drop, new ones are refused, and heal() restores it', async () => {
    const open = await openConnection(proxy.port);
    const closed = once(open.socket, 'close');
    await proxy.cut();
    await closed;
    await expect(sendRedisCommand(proxy.port, ['PING'], { timeoutMs: 500 })).rejects.toThrow(/ECONNREFUSED/);
    await proxy.heal();
    expect(await sendRedisCommand(proxy.port, ['PING'])).toBe('PONG');
  });

  it('when blackholed, then nothing answers but connections stay open, and heal() delivers what was held', async () => {
    const open = await openConnection(proxy.port);
    await proxy.blackhole();
    open.socket.write(encodeCommand(['PING']));
    await expect(sendRedisCommand(proxy.port, ['PING'], { timeoutMs: 300 })).rejects.toBeInstanceOf(
      RedisTimeoutError,
    );
    expect(open.received()).toBe('');
    expect(open.socket.destroyed).toBe(false);

    await proxy.heal();
    await expect.poll(open.received, { timeout: 1_000 }).toBe('+PONG\r\n');
    expect(await sendRedisCommand(proxy.port, ['PING'])).toBe('PONG');
    open.socket.destroy();
  });

  it('when the target is down, then a connection through the proxy closes instead of hanging', async () => {
    const target = await startRedis({ name: 'dies' });
    const toDead = await startTcpProxy({ targetPort: target.port });
    await target.kill();
    await expect(sendRedisCommand(toDead.port, ['PING'], { timeoutMs: 1_000 })).rejects.toThrow(
      /closed the connection/,
    );
    await toDead.close();
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { AppError, classifyInfrastructureError } from '../service/index.ts';
import type { LinkControl, LinkState, ReadinessCheck } from '../service/index.ts';
import { blockingOptions, failFastOptions } from './fail-fast-options.ts';
import type { RedisNodeAddress } from './node-list.ts';

export interface RedisNodeOptions {
  readonly commandTimeoutMs?: number;
  /**
   * Commands issued in the same turn of the event loop (by concurrent requests) leave in one socket
   * write. Under load a write per command is a service's largest cost in the lab's profiles; off by
   * default so a lesson that counts round trips sees one command per write.
   */
  readonly autoPipelining?: boolean;
}

/**
 * One Redis node seen from a service: a fail-fast client plus the app-level
 * link fault that /chaos drives. Every command goes through `run()` so a cut
 * or slow link, a timeout and a dead node all surface as the lab's errors.
 */
export class RedisNode implements LinkControl {
  readonly name: string;
  readonly url: string;
  readonly address: RedisNodeAddress;
  readonly client: Redis;
  private link: LinkState = { mode: 'ok' };

  constructor(address: RedisNodeAddress, options: RedisNodeOptions = {}) {
    this.name = address.name;
    this.url = address.url;
    this.address = address;
    this.client = new Redis({
      ...failFastOptions(address, options.commandTimeoutMs),
      enableAutoPipelining: options.autoPipelining ?? false,
    });
    // ioredis emits 'error' on every failed reconnect; unhandled, that would crash the process.
    this.client.on('error', () => undefined);
  }

  /** Resolves true once connected, false after `timeoutMs`: a node that is down at start-up must not stop the service. */
  ready(timeoutMs = 2_000): Promise<boolean> {
    return whenReady(this.client, timeoutMs);
  }

  get isReady(): boolean {
    return this.client.status === 'ready';
  }

  linkState(): LinkState {
    return this.link;
  }

  setLink(state: LinkState): void {
    this.link = state;
  }

  /** Runs one command (or a MULTI, or a script) through the link, mapping failures to 503 / 504. */
  async run<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    const link = this.link;
    if (link.mode === 'cut') {
      throw new AppError('REDIS_UNAVAILABLE', `The link to ${this.name} is cut (chaos).`, {
        extras: { node: this.name },
      });
    }
    if (link.mode === 'slow') await sleep(link.delayMs);
    try {
      return await command(this.client);
    } catch (error) {
      const known = classifyInfrastructureError(error);
      if (!known) throw error;
      throw new AppError(known.code, `${this.name}: ${known.message}`, {
        extras: { node: this.name },
        cause: error,
      });
    }
  }

  async ping(): Promise<void> {
    await this.run((c) => c.ping());
  }

  /**
   * A separate, connected client for blocking commands (no command timeout);
   * the caller disconnects it. Resolves only once ready, because with the
   * offline queue off a command sent while connecting would fail.
   */
  async blockingClient(timeoutMs = 2_000): Promise<Redis> {
    const client = new Redis(blockingOptions(this.address));
    client.on('error', () => undefined);
    if (!(await whenReady(client, timeoutMs))) {
      client.disconnect();
      throw new AppError('REDIS_UNAVAILABLE', `${this.name}: no connection within ${timeoutMs} ms.`, {
        extras: { node: this.name },
      });
    }
    return client;
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}

/** True once the client is ready, false when `timeoutMs` passes first. */
function whenReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    client.once('ready', onReady);
  });
}

/** Connects to every node, waiting briefly for each; returns them by name. */
export async function connectRedisNodes(
  addresses: readonly RedisNodeAddress[],
  options: RedisNodeOptions & { readyTimeoutMs?: number } = {},
): Promise<RedisNode[]> {
  const nodes = addresses.map((a) => new RedisNode(a, options));
  await Promise.all(nodes.map((n) => n.ready(options.readyTimeoutMs)));
  return nodes;
}

/** One readiness check per node: PING through the link, so a cut link also shows. */
export function redisReadinessChecks(
  nodes: readonly RedisNode[],
  options: { critical?: boolean } = {},
): ReadinessCheck[] {
  return nodes.map((node) => ({
    name: `redis:${node.name}`,
    critical: options.critical ?? true,
    check: () => node.ping(),
  }));
}

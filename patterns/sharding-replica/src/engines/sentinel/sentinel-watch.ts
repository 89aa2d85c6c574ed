import type { Redis } from 'ioredis';
import { RedisNode } from '@kvs-lab/shared/redis';
import type { Shard } from '../../domain/shard-map.ts';
import type { RouterLog } from '../../router-log.ts';
import type { ExternalPromotion } from '../router/cluster-monitor.ts';

/**
 * Redis Sentinel as the failover authority. Each shard's master is watched by every sentinel under the
 * name of the node that started as master (`...-shard-N-master`). A failover needs a quorum of sentinels
 * to agree the master is down, then a majority to elect one of them to promote the replica; the router
 * only asks who the master is now (SENTINEL GET-MASTER-ADDR-BY-NAME) and hears `+switch-master` at once.
 */
export class SentinelWatch implements ExternalPromotion {
  readonly decidedBy = 'Sentinel (quorum of sentinels, then an elected leader)';
  readonly sentinels: readonly RedisNode[];
  private readonly nameByAddress: ReadonlyMap<string, string>;
  private subscriber: Redis | undefined;
  private isClosed = false;
  private readonly logger: RouterLog;

  constructor(
    addresses: readonly { host: string; port: number }[],
    nodes: readonly RedisNode[],
    logger: RouterLog,
  ) {
    this.sentinels = addresses.map(
      ({ host, port }, i) =>
        new RedisNode({ name: `sentinel-${i + 1}`, host, port, url: `redis://${host}:${port}` }),
    );
    this.nameByAddress = new Map(nodes.map((n) => [`${n.address.host}:${n.address.port}`, n.name]));
    this.logger = logger;
  }

  /** The master name Sentinel watches for this shard: its node that started as master. */
  static monitoredName(shard: Shard): string {
    return [shard.master, shard.replica].find((n) => n?.endsWith('-master')) ?? shard.master;
  }

  /** Asks the sentinels in turn; the first answer is Sentinel's current view (they converge on the epoch). */
  async masterOf(shard: Shard): Promise<string | undefined> {
    for (const sentinel of this.sentinels) {
      try {
        const reply = await sentinel.run((c) =>
          c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SentinelWatch.monitoredName(shard)),
        );
        if (Array.isArray(reply) && reply.length === 2)
          return this.nameByAddress.get(`${String(reply[0])}:${String(reply[1])}`);
      } catch {
        // That sentinel is down or paused: ask the next.
      }
    }
    return undefined;
  }

  /** Calls `onSwitch` on every `+switch-master` a sentinel publishes (re-subscribing if it goes away). */
  async subscribe(onSwitch: () => void): Promise<void> {
    for (const sentinel of this.sentinels) {
      if (this.isClosed) return;
      try {
        const subscriber = await sentinel.blockingClient(1_000);
        this.subscriber = subscriber;
        subscriber.on('message', () => onSwitch());
        subscriber.on('end', () => {
          if (!this.isClosed) void this.subscribe(onSwitch);
        });
        await subscriber.subscribe('+switch-master');
        return;
      } catch (error) {
        this.logger.warn({ err: error, sentinel: sentinel.name }, 'cannot subscribe to +switch-master');
      }
    }
  }

  /** SENTINEL MASTERS of every sentinel: which master each sees for each name, its flags and config epoch. */
  async views(): Promise<{ sentinel: string; masters: Record<string, string>[] | null }[]> {
    return Promise.all(
      this.sentinels.map(async (sentinel) => {
        try {
          const reply = (await sentinel.run((c) => c.call('SENTINEL', 'MASTERS'))) as string[][];
          const masters = reply.map((flat) => {
            const fields: Record<string, string> = {};
            for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
            return {
              name: fields.name ?? '',
              master: this.nameByAddress.get(`${fields.ip}:${fields.port}`) ?? `${fields.ip}:${fields.port}`,
              flags: fields.flags ?? '',
              configEpoch: fields['config-epoch'] ?? '',
              quorum: fields.quorum ?? '',
            };
          });
          return { sentinel: sentinel.name, masters };
        } catch {
          return { sentinel: sentinel.name, masters: null };
        }
      }),
    );
  }

  /** A readiness figure: how many sentinels answer. */
  async reachable(): Promise<number> {
    const answers = await Promise.all(
      this.sentinels.map((s) =>
        s.ping().then(
          () => 1,
          () => 0,
        ),
      ),
    );
    return answers.reduce<number>((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    this.isClosed = true;
    this.subscriber?.disconnect();
    await Promise.all(this.sentinels.map((s) => s.close()));
  }
}

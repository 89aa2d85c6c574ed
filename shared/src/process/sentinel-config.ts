/**
 * The config file of one Redis Sentinel. Sentinel rewrites it (it records replicas, other sentinels and
 * epochs there), so every sentinel gets its own writable copy; this text is only its first version.
 */

export interface SentinelMaster {
  /** The name it is monitored under, which clients ask for (`SENTINEL get-master-addr-by-name`). */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export interface SentinelTimings {
  /** Sentinels that must agree a master is down before one of them starts a failover. */
  readonly quorum: number;
  /** A master silent this long is subjectively down. */
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
}

export function sentinelConfigText(
  masters: readonly SentinelMaster[],
  timings: SentinelTimings,
  /** True where masters are named by host name (compose); on loopback they are IPs. */
  resolveHostnames = false,
): string {
  const lines = [
    '# Written by the KVS lab; Sentinel rewrites this file as it learns the topology.',
    `sentinel resolve-hostnames ${resolveHostnames ? 'yes' : 'no'}`,
  ];
  for (const master of masters) {
    lines.push(
      `sentinel monitor ${master.name} ${master.host} ${master.port} ${timings.quorum}`,
      `sentinel down-after-milliseconds ${master.name} ${timings.downAfterMs}`,
      `sentinel failover-timeout ${master.name} ${timings.failoverTimeoutMs}`,
      `sentinel parallel-syncs ${master.name} 1`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** One Redis node as the topology names it: `lock-3` at `redis://127.0.0.1:7613`. */
export interface RedisNodeAddress {
  readonly name: string;
  readonly url: string;
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `REDIS_NODES=name=redis://host:port,name2=redis://host:port`, the
 * form the lab runner and compose both pass. Throws a message that shows the
 * expected form, because this runs at start-up where a clear exit beats a hang.
 */
export function parseRedisNodes(value: string | undefined): RedisNodeAddress[] {
  const example = 'REDIS_NODES=lock-1=redis://127.0.0.1:7611,lock-2=redis://127.0.0.1:7612';
  if (!value || value.trim() === '') throw new Error(`REDIS_NODES is not set; expected e.g. ${example}`);
  const seen = new Set<string>();
  return value.split(',').map((entry) => {
    const at = entry.indexOf('=');
    const name = entry.slice(0, at).trim();
    const url = entry.slice(at + 1).trim();
    if (at <= 0 || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
      throw new Error(
        `REDIS_NODES entry "${entry}" must be name=redis://host:port; expected e.g. ${example}`,
      );
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`REDIS_NODES entry "${entry}" has an invalid URL`);
    }
    const port = Number(parsed.port || 6379);
    if (
      parsed.protocol !== 'redis:' ||
      !parsed.hostname ||
      !Number.isInteger(port) ||
      port <= 0 ||
      port > 65535
    ) {
      throw new Error(`REDIS_NODES entry "${entry}" must use redis://host:port`);
    }
    if (seen.has(name)) throw new Error(`REDIS_NODES names ${name} twice`);
    seen.add(name);
    return { name, url: `redis://${parsed.hostname}:${port}`, host: parsed.hostname, port };
  });
}

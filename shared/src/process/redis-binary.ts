import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

const installHint =
  'Install Redis 7 (Debian/Ubuntu: `sudo apt install redis-server`; macOS: `brew install redis`) ' +
  'or set REDIS_SERVER_BIN to the path of a redis-server binary.';

/** redis-server could not be found: the message says how to get one. */
export class RedisServerNotFoundError extends Error {
  override readonly name = 'RedisServerNotFoundError';
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The redis-server binary to run: `REDIS_SERVER_BIN` if set, else the first on PATH.
 * Throws RedisServerNotFoundError with install instructions, so a learner without
 * Redis gets a next step instead of a bare ENOENT from spawn.
 */
export function resolveRedisServerBin(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.REDIS_SERVER_BIN;
  if (override !== undefined && override !== '') {
    if (isExecutableFile(override)) return override;
    throw new RedisServerNotFoundError(
      `REDIS_SERVER_BIN=${override} is not an executable file. ${installHint}`,
    );
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'redis-server');
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new RedisServerNotFoundError(`redis-server was not found on PATH. ${installHint}`);
}

import { resolveProgram } from './program-binary.ts';

const installHint =
  'Install Redis 7 (Debian/Ubuntu: `sudo apt install redis-server`; macOS: `brew install redis`) ' +
  'or set REDIS_SERVER_BIN to the path of a redis-server binary.';

/** redis-server could not be found: the message says how to get one. */
export class RedisServerNotFoundError extends Error {
  override readonly name = 'RedisServerNotFoundError';
}

/** The redis-server binary to run: `REDIS_SERVER_BIN` if set, else the first on PATH. */
export function resolveRedisServerBin(env: NodeJS.ProcessEnv = process.env): string {
  return resolveProgram({
    command: 'redis-server',
    envVar: 'REDIS_SERVER_BIN',
    installHint,
    notFound: (message) => new RedisServerNotFoundError(message),
    env,
  });
}

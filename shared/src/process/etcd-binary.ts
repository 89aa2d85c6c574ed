import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

const installHint =
  'Install etcd 3.4+ (Debian/Ubuntu: `sudo apt-get install -y etcd-server etcd-client`; macOS: `brew install etcd`) ' +
  'or set ETCD_BIN to the path of an etcd binary.';

/** etcd could not be found: the message says how to get it. */
export class EtcdNotFoundError extends Error {
  override readonly name = 'EtcdNotFoundError';
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
 * The etcd binary to run: `ETCD_BIN` if set, else the first `etcd` on PATH.
 * Throws EtcdNotFoundError with install instructions instead of a bare ENOENT from spawn.
 */
export function resolveEtcdBin(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.ETCD_BIN;
  if (override !== undefined && override !== '') {
    if (isExecutableFile(override)) return override;
    throw new EtcdNotFoundError(`ETCD_BIN=${override} is not an executable file. ${installHint}`);
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'etcd');
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new EtcdNotFoundError(`etcd was not found on PATH. ${installHint}`);
}

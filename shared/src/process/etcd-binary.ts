import { resolveProgram } from './program-binary.ts';

const installHint =
  'Install etcd 3.4+ (Debian/Ubuntu: `sudo apt-get install -y etcd-server etcd-client`; macOS: `brew install etcd`) ' +
  'or set ETCD_BIN to the path of an etcd binary.';

/** etcd could not be found: the message says how to get it. */
export class EtcdNotFoundError extends Error {
  override readonly name = 'EtcdNotFoundError';
}

/** The etcd binary to run: `ETCD_BIN` if set, else the first `etcd` on PATH. */
export function resolveEtcdBin(env: NodeJS.ProcessEnv = process.env): string {
  return resolveProgram({
    command: 'etcd',
    envVar: 'ETCD_BIN',
    installHint,
    notFound: (message) => new EtcdNotFoundError(message),
    env,
  });
}

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findOnPath } from '../process/program-binary.ts';

/**
 * The only system programs the lab needs: everything else comes from npm. When one is
 * missing, the lab installs it itself where that is safe (root on Debian/Ubuntu, with
 * apt-get), and otherwise stops with the exact command for the platform.
 */
export interface SystemProgram {
  /** What must be on PATH. */
  readonly commands: readonly string[];
  /** Why the lab needs it, for the message. */
  readonly purpose: string;
  readonly aptPackages: readonly string[];
  readonly brewPackage: string;
}

export const systemPrograms = {
  redis: {
    commands: ['redis-server', 'redis-cli'],
    purpose: 'every pattern runs on real redis-server processes',
    aptPackages: ['redis-server', 'redis-tools'],
    brewPackage: 'redis',
  },
  etcd: {
    commands: ['etcd', 'etcdctl'],
    purpose: 'the etcd engines (distributed-lock, coordinator-ring)',
    aptPackages: ['etcd-server', 'etcd-client'],
    brewPackage: 'etcd',
  },
} as const satisfies Record<string, SystemProgram>;

export type SystemProgramName = keyof typeof systemPrograms;

/** A program is missing and could not be installed here: the message is the next step. */
export class MissingSystemProgramError extends Error {
  override readonly name = 'MissingSystemProgramError';
}

function missingPrograms(names: readonly SystemProgramName[], env: NodeJS.ProcessEnv): SystemProgramName[] {
  return names.filter((name) => {
    // REDIS_SERVER_BIN points the lab at a redis-server outside PATH: then only redis-cli is looked up.
    const commands = systemPrograms[name].commands.filter(
      (command) => !(command === 'redis-server' && env.REDIS_SERVER_BIN),
    );
    return commands.some((command) => findOnPath(command, env) === undefined);
  });
}

/** Where apt-get can install for us without asking anyone: root on a Debian-family system. */
function canInstallWithApt(env: NodeJS.ProcessEnv): boolean {
  return (
    process.platform === 'linux' &&
    process.getuid?.() === 0 &&
    existsSync('/etc/debian_version') &&
    findOnPath('apt-get', env) !== undefined &&
    env.LAB_NO_INSTALL !== '1'
  );
}

/** The exact command a user should run, for this platform. */
export function installCommand(names: readonly SystemProgramName[]): string {
  if (process.platform === 'darwin') {
    return `brew install ${names.map((name) => systemPrograms[name].brewPackage).join(' ')}`;
  }
  const packages = names.flatMap((name) => systemPrograms[name].aptPackages).join(' ');
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y ${packages}`;
}

/**
 * Makes sure the named programs are on PATH: installs them with apt-get when running as
 * root on Debian/Ubuntu (saying so once, before doing it), otherwise throws
 * MissingSystemProgramError with the install command. Never hangs: apt runs non-interactive.
 */
export function ensureSystemPrograms(
  names: readonly SystemProgramName[],
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): void {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const missing = missingPrograms(names, env);
  if (missing.length === 0) return;
  const why = missing.map(
    (name) => `${systemPrograms[name].commands.join('/')} (${systemPrograms[name].purpose})`,
  );
  if (!canInstallWithApt(env)) {
    throw new MissingSystemProgramError(
      `Missing ${why.join(' and ')}. Install with: ${installCommand(missing)}`,
    );
  }
  const packages = missing.flatMap((name) => systemPrograms[name].aptPackages);
  log(`lab: installing ${packages.join(' ')} with apt-get (missing ${why.join(' and ')})`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { env: aptEnv, stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', ['install', '-y', '-qq', ...packages], {
      env: aptEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch {
    throw new MissingSystemProgramError(
      `apt-get could not install ${packages.join(' ')}; run it yourself: ${installCommand(missing)}`,
    );
  }
  const still = missingPrograms(missing, env);
  if (still.length > 0) {
    throw new MissingSystemProgramError(
      `apt-get ran but ${still.join(', ')} is still not on PATH; install by hand: ${installCommand(still)}`,
    );
  }
}

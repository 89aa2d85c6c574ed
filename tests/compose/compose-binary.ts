import { spawnSync } from 'node:child_process';

/** How to run compose on this machine: the v2 plugin, the v1 binary, or neither. */
export type ComposeBinary =
  | { readonly kind: 'plugin'; readonly command: readonly ['docker', 'compose'] }
  | { readonly kind: 'standalone'; readonly command: readonly ['docker-compose'] };

function answers(command: string, args: readonly string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 15_000 });
  return r.error === undefined && r.status === 0;
}

/** The v2 plugin first (what Docker ships today), then Debian's standalone docker-compose. */
export function findComposeBinary(): ComposeBinary | undefined {
  if (answers('docker', ['compose', 'version'])) return { kind: 'plugin', command: ['docker', 'compose'] };
  if (answers('docker-compose', ['version'])) return { kind: 'standalone', command: ['docker-compose'] };
  return undefined;
}

/** Why the Docker e2e suite cannot run here, or `undefined` when an engine answers. */
export function dockerEngineUnavailable(): string | undefined {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (r.error !== undefined) return `\`docker info\` could not run (${r.error.message})`;
  if (r.status !== 0) {
    const reason =
      r.stderr
        .trim()
        .split('\n')
        .find((line) => line.trim() !== '') ?? `exit code ${r.status}`;
    return `no Docker engine answers \`docker info\`: ${reason}`;
  }
  return undefined;
}

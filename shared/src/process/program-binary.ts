import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first `command` on PATH, or undefined. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

/**
 * The binary to run: the path in `envVar` if set, else `command` on PATH. A learner without it gets
 * `notFound(message)` with the install hint, a next step instead of a bare ENOENT from spawn.
 */
export function resolveProgram(options: {
  readonly command: string;
  readonly envVar: string;
  readonly installHint: string;
  readonly notFound: (message: string) => Error;
  readonly env: NodeJS.ProcessEnv;
}): string {
  const { command, envVar, installHint, notFound, env } = options;
  const override = env[envVar];
  if (override !== undefined && override !== '') {
    if (isExecutableFile(override)) return override;
    throw notFound(`${envVar}=${override} is not an executable file. ${installHint}`);
  }
  const found = findOnPath(command, env);
  if (found !== undefined) return found;
  throw notFound(`${command} was not found on PATH. ${installHint}`);
}

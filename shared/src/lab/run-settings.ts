import { createHash } from 'node:crypto';

/**
 * What makes one run of a pattern differ from another besides its code: the engine, the size and the
 * environment its services inherit (e.g. `LOG_LEVEL=debug pnpm lab up ...`). A second `lab up` compares
 * them with the running one's, to restart it (`--restart`) or say how, instead of only "already running".
 */

export interface RunSettings {
  readonly engine: string | null;
  readonly size: number | null;
  /** Variable name -> digest of its value (the state file never holds a value such as LAB_ADMIN_TOKEN). */
  readonly envDigest: Readonly<Record<string, string>>;
}

/** Set by the shell, the terminal, pnpm or the lab itself: they say nothing about how a pattern should run. */
const ambientNames = new Set([
  '_',
  'CI',
  'CLICOLOR',
  'COLOR',
  'COLORTERM',
  'COLUMNS',
  'DISPLAY',
  'EDITOR',
  'FORCE_COLOR',
  'HOME',
  'HOSTNAME',
  'INIT_CWD',
  'LANG',
  'LANGUAGE',
  'LAB_PORT_OFFSET',
  'LAB_STATE_DIR',
  'LINES',
  'LOGNAME',
  'LS_COLORS',
  'HISTCONTROL',
  'HISTFILE',
  'HISTSIZE',
  'HOSTTYPE',
  'MACHTYPE',
  'MAIL',
  'MAKEFLAGS',
  // npm and pnpm set NODE to the node binary for every script.
  'NODE',
  'NO_COLOR',
  'OSTYPE',
  'OLDPWD',
  'PAGER',
  'PATH',
  'PROMPT_COMMAND',
  'PS1',
  'PWD',
  'SHELL',
  'SHLVL',
  'TERM',
  'TERMINFO',
  'TMPDIR',
  'TZ',
  'USER',
  'VISUAL',
  'WINDOWID',
]);
const ambientPrefixes = [
  'LC_',
  'SSH_',
  'XDG_',
  'NPM_',
  'PNPM_',
  'TERM_',
  'TMUX',
  'VSCODE_',
  'VITEST',
  'GIT_',
  'DBUS_',
  'GPG_',
  'ITERM',
  'KITTY',
  'KONSOLE',
  'GNOME_',
  'VTE_',
  'WT_',
  'WSL',
  'STARSHIP',
  'HOMEBREW_',
  'COREPACK',
  'SUDO_',
  'SECURITYSESSIONID',
];

/** A variable that can change how a pattern runs: upper-case, and not one of the ambient ones. */
export function isSettingName(name: string): boolean {
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) return false;
  if (ambientNames.has(name)) return false;
  return !ambientPrefixes.some((prefix) => name.startsWith(prefix));
}

const digest = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 16);

export function envDigest(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter((entry): entry is [string, string] => entry[1] !== undefined && isSettingName(entry[0]))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => [name, digest(value)]),
  );
}

/** How `wanted` differs from `running`, one phrase per difference; empty when they are the same run. */
export function settingsChanges(running: RunSettings, wanted: RunSettings): string[] {
  const changes: string[] = [];
  if (running.engine !== wanted.engine) {
    changes.push(`engine ${running.engine ?? 'default'} -> ${wanted.engine ?? 'default'}`);
  }
  if (running.size !== wanted.size) {
    changes.push(`size ${running.size ?? 'default'} -> ${wanted.size ?? 'default'}`);
  }
  const names = [...new Set([...Object.keys(running.envDigest), ...Object.keys(wanted.envDigest)])].sort();
  const added = names.filter((n) => !(n in running.envDigest));
  const removed = names.filter((n) => !(n in wanted.envDigest));
  const changed = names.filter(
    (n) => n in running.envDigest && n in wanted.envDigest && running.envDigest[n] !== wanted.envDigest[n],
  );
  if (added.length > 0) changes.push(`now set: ${added.join(', ')}`);
  if (removed.length > 0) changes.push(`no longer set: ${removed.join(', ')}`);
  if (changed.length > 0) changes.push(`changed: ${changed.join(', ')}`);
  return changes;
}

/** The `lab up` command line that asks for `wanted`, as a learner would type it again. */
export function upCommandLine(
  pattern: string,
  wanted: {
    readonly engine?: string;
    readonly size?: number;
    readonly isFresh?: boolean;
    readonly detach?: boolean;
  },
  extra: readonly string[] = [],
): string {
  return [
    'pnpm lab up',
    pattern,
    ...(wanted.engine === undefined ? [] : ['--engine', wanted.engine]),
    ...(wanted.size === undefined ? [] : ['--size', String(wanted.size)]),
    ...(wanted.isFresh ? ['--fresh'] : []),
    ...(wanted.detach ? ['--detach'] : []),
    ...extra,
  ].join(' ');
}

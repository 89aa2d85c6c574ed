import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  etcdMemberStatus,
  infoFields,
  isPidAlive,
  reservePortOffset,
  sendRedisCommand,
} from '@kvs-lab/shared/testing';

/**
 * `pnpm lab up <pattern> --engine <name>` end to end on a fixture pattern (tests/lab/fixtures) whose second
 * engine runs an etcd member, a two-master Redis Cluster and a sentinel beside the kit demo's service.
 * One file, in order: each step builds on the running lab of the one before.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliPath = path.join(repoRoot, 'shared/src/lab/cli.ts');
const fixture = fileURLToPath(new URL('./fixtures/engine-demo-topology.ts', import.meta.url));
const stateDir = mkdtempSync(path.join(tmpdir(), 'kvs-lab-engine-test-'));
const patternDir = path.join(stateDir, 'engine-demo');
let portOffset = 0;

interface ProcessJson {
  readonly name: string;
  readonly role: string;
  readonly pid: number | null;
  readonly port: number;
  readonly url: string;
  readonly state: string;
}

interface PatternJson {
  readonly engine: string | null;
  readonly processes: readonly ProcessJson[];
}

function labEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_ENV'),
  );
  return {
    ...env,
    LAB_STATE_DIR: stateDir,
    LAB_PORT_OFFSET: String(portOffset),
    LAB_EXTRA_TOPOLOGIES: fixture,
    NO_COLOR: '1',
    ...extra,
  };
}

async function lab(
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', cliPath, ...args], {
    cwd: repoRoot,
    env: labEnv(extraEnv),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

async function engineDemo(): Promise<PatternJson> {
  const run = await lab(['status', '--json']);
  const pattern = (JSON.parse(run.stdout) as Record<string, PatternJson>)['engine-demo'];
  if (!pattern) throw new Error(`engine-demo is not running: ${run.stdout}${run.stderr}`);
  return pattern;
}

const named = (pattern: PatternJson, name: string): ProcessJson => {
  const found = pattern.processes.find((p) => p.name === name);
  if (!found) throw new Error(`no process ${name}`);
  return found;
};

const modeOf = (file: string): number => statSync(file).mode & 0o777;

/** The fixture's ports, and the cluster nodes' bus ports, moved by `offset`. */
const fixturePorts = (offset: number): number[] =>
  [7801, 7810, 7821, 7822, 17821, 17822, 7831, 7841, 7851].map((p) => p + offset);

beforeAll(async () => {
  // Claimed, so a README runner in another worker cannot start on these ports meanwhile.
  const reservation = await reservePortOffset(
    fixturePorts(0),
    () => 1_000 + 100 * Math.floor(Math.random() * 70),
  );
  portOffset = reservation.offset;
});

afterAll(async () => {
  await lab(['down', 'engine-demo']);
  rmSync(stateDir, { recursive: true, force: true });
});

/** The v3 JSON gateway speaks base64. */
const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('lab up --engine', () => {
  it('lists the engines a pattern declares', async () => {
    const run = await lab(['list']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^engine-demo .*router\*,real/m);
    expect(run.stdout).toMatch(/engine-demo --engine real: etcd, a Redis Cluster and a sentinel/);
  });

  it('when the engine is unknown, then it refuses and lists the engines', async () => {
    const run = await lab(['up', 'engine-demo', '--engine', 'nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/engine-demo has no engine 'nope'; its engines: router, real/);
  });

  it('when started on another engine, then etcd, a formed cluster and a sentinel run and the service gets their addresses', async () => {
    // An older log readable by all: the runner must narrow it, not only create new files owner-only.
    mkdirSync(patternDir, { recursive: true, mode: 0o755 });
    writeFileSync(path.join(patternDir, 'lab.log'), 'old\n', { mode: 0o644 });
    const run = await lab(['up', 'engine-demo', '--engine', 'real', '--detach', '--timeout', '60']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const pattern = await engineDemo();
    expect(pattern.engine).toBe('real');
    expect(pattern.processes.map((p) => p.role).sort()).toEqual([
      'etcd',
      'redis',
      'redis',
      'redis',
      'sentinel',
      'service',
    ]);
    for (const name of ['engine-demo-cluster-1', 'engine-demo-cluster-2']) {
      const info = infoFields(await sendRedisCommand(named(pattern, name).port, ['CLUSTER', 'INFO']));
      expect(info.get('cluster_state'), name).toBe('ok');
      expect(info.get('cluster_known_nodes'), name).toBe('2');
    }
    const sentinel = named(pattern, 'engine-demo-sentinel-1');
    const watched = named(pattern, 'engine-demo-real-redis');
    expect(
      await sendRedisCommand(sentinel.port, [
        'SENTINEL',
        'GET-MASTER-ADDR-BY-NAME',
        'engine-demo-real-redis',
      ]),
    ).toEqual(['127.0.0.1', String(watched.port)]);
    const etcd = named(pattern, 'engine-demo-etcd-1');
    const status = await etcdMemberStatus(etcd.url, 2_000);
    expect(status?.leaderId).toBe(status?.memberId);

    const service = named(pattern, 'engine-demo-real');
    const environ = new Map(
      readFileSync(`/proc/${service.pid ?? 0}/environ`, 'utf8')
        .split('\0')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    expect(environ.get('ENGINE')).toBe('real');
    expect(environ.get('ETCD_ENDPOINTS')).toBe(etcd.url);
    expect(environ.get('SENTINELS')).toBe(`127.0.0.1:${sentinel.port}`);
    const state = JSON.parse(readFileSync(path.join(patternDir, 'state.json'), 'utf8')) as {
      clusterSecret: string;
    };
    expect(environ.get('CLUSTER_SECRET')).toMatch(/^[0-9a-f]{64}$/);
    expect(environ.get('CLUSTER_SECRET')).toBe(state.clusterSecret);

    // Issue 13: the lab's files are its owner's only.
    expect(modeOf(stateDir)).toBe(0o700);
    expect(modeOf(patternDir)).toBe(0o700);
    for (const file of ['state.json', 'pids', 'lab.log'])
      expect(modeOf(path.join(patternDir, file)), file).toBe(0o600);
  });

  it('when an etcd member is killed and restarted, then it comes back on its port with its keys', async () => {
    const etcd = named(await engineDemo(), 'engine-demo-etcd-1');
    const put = await fetch(`${etcd.url}/v3/kv/put`, {
      method: 'POST',
      body: JSON.stringify({ key: b64('kept'), value: b64('yes') }),
    });
    expect(put.status).toBe(200);
    const killed = await lab(['kill', 'engine-demo', 'engine-demo-etcd-1']);
    expect(killed.code, killed.stderr).toBe(0);
    expect(isPidAlive(etcd.pid ?? 0)).toBe(false);
    const restarted = await lab(['restart', 'engine-demo', 'engine-demo-etcd-1']);
    expect(restarted.code, restarted.stderr).toBe(0);
    const read = async (): Promise<string | undefined> => {
      const response = await fetch(`${etcd.url}/v3/kv/range`, {
        method: 'POST',
        body: JSON.stringify({ key: b64('kept') }),
      }).catch(() => undefined);
      const body = (await response?.json().catch(() => ({}))) as { kvs?: { value: string }[] } | undefined;
      const value = body?.kvs?.[0]?.value;
      return value === undefined ? undefined : Buffer.from(value, 'base64').toString();
    };
    await expect.poll(read, { timeout: 15_000 }).toBe('yes');
  }, 90_000);

  it('when asked for another engine or environment while running, then it prints the exact command', async () => {
    const other = await lab(['up', 'engine-demo']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/engine real -> router/);
    expect(other.stderr).toContain('`pnpm lab up engine-demo --restart`');
    const env = await lab(['up', 'engine-demo', '--engine', 'real'], { LOG_LEVEL: 'debug' });
    expect(env.code).toBe(1);
    expect(env.stderr).toMatch(/now set: LOG_LEVEL/);
    expect(env.stderr).toContain('`pnpm lab up engine-demo --engine real --restart`');
    expect(env.stderr).not.toContain('debug');
  });

  it('when --restart is given, then it stops the running one and starts the engine asked for', async () => {
    const run = await lab(['up', 'engine-demo', '--restart', '--detach', '--timeout', '60']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const pattern = await engineDemo();
    expect(pattern.engine).toBe('router');
    expect(pattern.processes.map((p) => p.name).sort()).toEqual(['engine-demo', 'engine-demo-redis']);
  }, 90_000);
});

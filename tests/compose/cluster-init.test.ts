import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  findFreePort,
  infoFields,
  isPortFree,
  sendRedisCommand,
  startRedis,
  stopAllRedis,
} from '@kvs-lab/shared/testing';
import type { PatternTopology } from '@kvs-lab/shared/topology';
import { topology as kitDemo } from '../../shared/src/demo/topology.ts';
import { clusterInitScript } from '../../shared/src/lab/compose-engines.ts';

/**
 * The compose cluster-init script run for real, outside Docker: against redis-server nodes on loopback,
 * with `redis-cli -h <container name>` and `getent hosts` shimmed to 127.0.0.1 (each node has its own port).
 */

const shimDir = mkdtempSync(path.join(tmpdir(), 'kvs-cluster-init-'));

afterAll(async () => {
  await stopAllRedis();
  rmSync(shimDir, { recursive: true, force: true });
});

function writeShims(): void {
  const redisCli = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(
    path.join(shimDir, 'redis-cli'),
    [
      '#!/bin/sh',
      'for arg in "$@"; do',
      '  if [ "$prev" = "-h" ]; then arg=127.0.0.1; fi',
      '  prev=$arg; set -- "$@" "$arg"; shift',
      'done',
      `exec ${redisCli} "$@"`,
    ].join('\n'),
  );
  writeFileSync(path.join(shimDir, 'getent'), '#!/bin/sh\necho "127.0.0.1 $3"\n');
  for (const file of ['redis-cli', 'getent']) chmodSync(path.join(shimDir, file), 0o755);
}

async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await findFreePort();
    if (taken.has(port) || taken.has(port + 10_000) || port + 10_000 > 65_535) continue;
    if (await isPortFree(port + 10_000)) {
      taken.add(port);
      taken.add(port + 10_000);
      return port;
    }
  }
}

describe('the compose cluster-init script', () => {
  it('forms the cluster as the topology says (slots, replica, spare) and leaves a formed one alone', async () => {
    writeShims();
    const taken = new Set<number>();
    const names = ['init-m1', 'init-m2', 'init-m1-r', 'init-spare'];
    const ports = new Map<string, number>();
    for (const name of names) ports.set(name, await clusterPort(taken));
    const topology: PatternTopology = {
      ...kitDemo,
      redis: names.map((name) => ({ name, port: ports.get(name) ?? 0, clusterEnabled: true })),
      redisCluster: {
        masters: ['init-m1', 'init-m2'],
        replicas: { 'init-m1-r': 'init-m1' },
        spares: ['init-spare'],
        nodeTimeoutMs: 1_000,
      },
    };
    await Promise.all(
      names.map((name) =>
        startRedis({
          name,
          port: ports.get(name),
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
        }),
      ),
    );
    const run = () =>
      spawnSync('sh', ['-c', clusterInitScript(topology)], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, PATH: `${shimDir}:${process.env.PATH ?? ''}` },
      });
    const first = run();
    expect(first.status, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toMatch(/Redis Cluster formed: 2 masters, 1 replicas/);
    for (const name of names) {
      const info = infoFields(await sendRedisCommand(ports.get(name) ?? 0, ['CLUSTER', 'INFO']));
      expect(info.get('cluster_state'), name).toBe('ok');
      expect(info.get('cluster_known_nodes'), name).toBe('4');
    }
    const replication = infoFields(
      await sendRedisCommand(ports.get('init-m1-r') ?? 0, ['INFO', 'replication']),
    );
    expect(replication.get('master_port')).toBe(String(ports.get('init-m1')));
    const spare = infoFields(await sendRedisCommand(ports.get('init-spare') ?? 0, ['INFO', 'replication']));
    expect(spare.get('role')).toBe('master');

    const second = run();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/already formed/);
  });
});

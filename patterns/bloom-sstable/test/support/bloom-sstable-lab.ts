import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RedisNode } from '@kvs-lab/shared/redis';
import type { Service } from '@kvs-lab/shared/service';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../../src/app.ts';
import type { LsmService } from '../../src/lsm-service.ts';
import type { EngineOptions } from '../../src/engines/engine-types.ts';
import type { KvEngine } from '../../src/engines/kv-engine.ts';
import { LevelDbKvEngine } from '../../src/engines/leveldb/leveldb-kv-engine.ts';
import { LsmKvEngine } from '../../src/engines/lsm/lsm-kv-engine.ts';
import { LsmEngine } from '../../src/engines/lsm/lsm-engine.ts';
import type { RespServer } from '../../src/resp/resp-server.ts';
import { startRespServer } from '../../src/resp/resp-server.ts';

const dirs: string[] = [];

/** A fresh data directory under the OS temp dir, removed by `removeTempDirs()`. */
export function tempDataDir(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `lsm-${name}-`));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Small sizes so a few hundred writes flush and compact. */
export function engineOptions(dir: string, overrides: Partial<EngineOptions> = {}): EngineOptions {
  return {
    dir,
    fsync: 'batch',
    fsyncBatchMs: 5,
    memtableBytes: 8 * 1024,
    blockBytes: 1024,
    bitsPerKey: 10,
    targetFileBytes: 16 * 1024,
    policy: {
      l0CompactionTrigger: 4,
      l0SlowdownTrigger: 8,
      l0StopTrigger: 12,
      level1MaxBytes: 64 * 1024,
      levelSizeRatio: 10,
      maxLevels: 4,
    },
    ...overrides,
  };
}

export interface TestApp {
  readonly service: Service;
  readonly lsm: LsmService;
  /** The hand-made engine's internals, for the tests that look inside it. */
  readonly engine: LsmEngine;
  readonly dir: string;
  readonly cache: RedisNode | undefined;
}

/** The whole app on an engine in a temp dir, with the real Redis as L2 when given. */
export async function startTestApp(
  name: string,
  options: {
    redis?: RedisHandle;
    engine?: Partial<EngineOptions>;
    dir?: string;
    epoch?: string;
    adminToken?: string;
  } = {},
): Promise<TestApp> {
  const dir = options.dir ?? tempDataDir(name);
  const engine = await LsmEngine.open(engineOptions(dir, options.engine));
  let cache: RedisNode | undefined;
  if (options.redis) {
    cache = new RedisNode({
      name: 'lsm-cache',
      url: options.redis.url,
      host: options.redis.host,
      port: options.redis.port,
    });
    await cache.ready();
  }
  const { service, lsm } = await createApp({
    engine: new LsmKvEngine(engine),
    ...(cache ? { cache } : {}),
    cacheEpoch: options.epoch ?? name,
    l1Entries: 1000,
    l2TtlSeconds: 60,
    maxKeyBytes: 256,
    maxValueBytes: 16 * 1024,
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
  });
  return { service, lsm, engine, dir, cache };
}

/** Polls until `condition` holds or the deadline passes. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The app on either engine, driven only through its APIs (the suite every engine must pass). */
export async function startEngineApp(
  engineName: 'lsm' | 'leveldb',
  name: string,
  options: { dir?: string; engine?: Partial<EngineOptions> } = {},
): Promise<{ service: Service; lsm: LsmService; engine: KvEngine; dir: string }> {
  const dir = options.dir ?? tempDataDir(`${name}-${engineName}`);
  const engineOpts = engineOptions(dir, options.engine);
  const engine: KvEngine =
    engineName === 'lsm' ? await LsmKvEngine.open(engineOpts) : await LevelDbKvEngine.open(engineOpts);
  const { service, lsm } = await createApp({
    engine,
    cacheEpoch: name,
    l1Entries: 1000,
    l2TtlSeconds: 60,
    maxKeyBytes: 256,
    maxValueBytes: 16 * 1024,
  });
  return { service, lsm, engine, dir };
}

/** The RESP port on a loopback port of the OS's choosing, with the service's default key and value limits. */
export function startTestRespPort(lsm: LsmService, info = ''): Promise<RespServer> {
  return startRespServer(lsm, {
    port: 0,
    host: '127.0.0.1',
    limits: { maxKeyBytes: 256, maxValueBytes: 16 * 1024 },
    info: () => info,
  });
}

import { connectRedisNodes } from '@kvs-lab/shared/redis';
import type { Service } from '@kvs-lab/shared/service';
import { seededRandom, startRedisCluster } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { createApp } from '../../src/app.ts';
import type { QuorumAppDeps } from '../../src/app.ts';
import { defaultSettingsFor } from '../../src/settings.ts';
import type { QuorumSettings } from '../../src/settings.ts';

/** A running lab for one test file: N real redis-servers and the two coordinators, quorum-a and quorum-b. */
export interface Lab {
  readonly redis: readonly RedisHandle[];
  readonly a: Service;
  readonly b: Service;
  /** Where each coordinator listens (loopback, a free port). */
  readonly urls: { readonly a: string; readonly b: string };
  /** The redis-server named `replica-i`. */
  replica(name: string): RedisHandle;
  close(): Promise<void>;
}

export const defaultSettings: QuorumSettings = defaultSettingsFor(3);

type AppOptions = Partial<Omit<QuorumAppDeps, 'nodes' | 'instance' | 'settings'>>;

export async function startLab(
  options: { size?: number; settings?: Partial<QuorumSettings>; app?: AppOptions } = {},
): Promise<Lab> {
  const size = options.size ?? 3;
  const names = Array.from({ length: size }, (_, i) => `replica-${i + 1}`);
  // Append-only files, as in the topology: a killed replica comes back with what it had.
  const redis = await startRedisCluster(names, { appendOnly: true });
  const addresses = redis.map((handle, i) => ({
    name: names[i] as string,
    url: handle.url,
    host: handle.host,
    port: handle.port,
  }));
  // Each coordinator's /check also reads the other's history, once both listen on their ports.
  const urls = new Map<string, string>();
  const coordinator = async (instance: string, peer: string, seed: number): Promise<Service> => {
    const { service } = await createApp({
      nodes: await connectRedisNodes(addresses),
      instance,
      settings: { ...defaultSettings, ...options.settings },
      random: seededRandom(seed),
      peers: () => [{ name: peer, url: urls.get(peer) ?? 'http://127.0.0.1:9' }],
      ...options.app,
    });
    return service;
  };
  const a = await coordinator('quorum-a', 'quorum-b', 1);
  const b = await coordinator('quorum-b', 'quorum-a', 2);
  for (const app of [a, b]) {
    const { port } = await app.listen(0, '127.0.0.1');
    urls.set(app.instance, `http://127.0.0.1:${port}`);
  }
  return {
    redis,
    a,
    b,
    urls: { a: urls.get('quorum-a') ?? '', b: urls.get('quorum-b') ?? '' },
    replica: (name) => {
      const handle = redis[names.indexOf(name)];
      if (!handle) throw new Error(`no replica ${name}`);
      return handle;
    },
    close: async () => {
      await a.close();
      await b.close();
    },
  };
}

/** Sets the same settings on both coordinators, as the README tells learners to. */
export async function configureBoth(lab: Lab, settings: Partial<QuorumSettings>): Promise<void> {
  for (const app of [lab.a, lab.b]) {
    const response = await request(app.server).put('/config').send(settings);
    if (response.status !== 200) throw new Error(`PUT /config answered ${response.status}: ${response.text}`);
  }
}

/** Polls `probe` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the coordinator's client for `node` is connected again (after a restart). */
export function waitForReplica(app: Service, node: string): Promise<void> {
  return waitFor(`${node} to answer ${app.instance}`, async () => {
    const response = await request(app.server).get('/readyz');
    const checks = (response.body as { checks?: { name: string; ok: boolean }[] }).checks ?? [];
    return checks.some((check) => check.name === `redis:${node}` && check.ok);
  });
}

/** The values each replica holds for `key`, read straight from the replicas (no quorum, no repair). */
export async function valuesOn(app: Service, key: string): Promise<Record<string, (string | null)[]>> {
  const response = await request(app.server).get(`/kv/${key}/replicas`);
  const replicas = (response.body as { replicas: { node: string; versions: { value: string | null }[] }[] })
    .replicas;
  return Object.fromEntries(replicas.map((replica) => [replica.node, replica.versions.map((v) => v.value)]));
}

/** The values of a GET /kv/{key} answer. */
export function valuesIn(body: unknown): string[] {
  return (body as { values: { value: string }[] }).values.map((version) => version.value);
}

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { createService, z } from '@kvs-lab/shared/service';
import { emptyClock, increment } from '@kvs-lab/shared/vector-clock';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';
import { resolve as resolveVersions } from '../src/domain/versioned-value.ts';
import type { StoredVersion } from '../src/domain/versioned-value.ts';
import { keyParam, putBody } from '../src/http/schemas.ts';
import { encodePut, ReplicaStore } from '../src/store/replica-store.ts';

/**
 * What any coordinator with this fan-out could reach here: a bare Express route,
 * like the kit's baseline, that sends one plain command to each of several
 * replicas in parallel and answers when all have answered. No quorum logic,
 * clocks, scripts, validation or recording: the ceiling for PUT (a SET on
 * each of the three replicas) and GET (a GET on two), measured beside the
 * same Express + 1 call baseline. The clients auto-pipeline, as the
 * coordinator's do (app.ts), so concurrent requests share socket writes.
 */
export async function startFanOutCeiling(
  redisUrls: readonly string[],
  readers: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  const clients = redisUrls.map(
    (url) =>
      new Redis(url, { enableOfflineQueue: true, maxRetriesPerRequest: 1, enableAutoPipelining: true }),
  );
  await Promise.all(clients.map((client) => client.set('lab:bench:ceiling', 'value')));
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(express.json());
  app.get('/ceiling/get', async (_req, res) => {
    const values = await Promise.all(
      clients.slice(0, readers).map((client) => client.get('lab:bench:ceiling')),
    );
    res.json({ value: values[0] });
  });
  app.put('/ceiling/set', async (req, res) => {
    const body = JSON.stringify(req.body);
    await Promise.all(clients.map((client) => client.set('lab:bench:ceiling', body)));
    res.json({ ok: true });
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const client of clients) client.disconnect();
    },
  };
}

/** A running ceiling service: where to send load, and how to stop it. */
interface CeilingService {
  readonly url: string;
  readonly close: () => Promise<void>;
}

/**
 * A kit service over the replicas with the coordinator's two data routes, PUT and GET /kv/{key}, and the
 * pattern's own schemas: `write` and `read` are what each does with the replicas. The clients auto-pipeline,
 * as the coordinator's do.
 */
async function startKitCeiling(
  name: string,
  nodes: readonly RedisNode[],
  routes: {
    readonly write: { summary: string; run: (key: string, value: string) => Promise<unknown> };
    readonly read: { summary: string; run: (key: string) => Promise<string | null> };
  },
): Promise<CeilingService> {
  for (const node of nodes) node.client.options.enableAutoPipelining = true;
  const service = createService({ name, instance: name, links: nodes });
  service.onClose(() => Promise.all(nodes.map((node) => node.close())));
  service.route({
    method: 'put',
    path: '/kv/{key}',
    summary: routes.write.summary,
    params: keyParam,
    body: putBody,
    responses: { 200: { description: 'Every replica answered', schema: z.object({ ok: z.boolean() }) } },
    handler: async ({ params, body }) => {
      await routes.write.run(params.key, body.value);
      return { status: 200, body: { ok: true } };
    },
  });
  service.route({
    method: 'get',
    path: '/kv/{key}',
    summary: routes.read.summary,
    params: keyParam,
    responses: {
      200: { description: 'The value', schema: z.object({ value: z.string().nullable() }) },
    },
    handler: async ({ params }) => ({ status: 200, body: { value: await routes.read.run(params.key) } }),
  });
  const { port } = await service.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, close: () => service.close() };
}

/**
 * The same fan-out behind the service kit: a kit service (request ids, host and origin guard, validation
 * with the pattern's own schemas, metrics, the link-fault wrapper of each replica) whose PUT /kv/{key}
 * SETs the value on every replica and whose GET /kv/{key} GETs it from `readers` of them. What is left
 * between this and the coordinator is the pattern's own work per request.
 */
export function startKitFanOutCeiling(nodes: readonly RedisNode[], readers: number): Promise<CeilingService> {
  const stored = (key: string) => `lab:bench:ceiling:${key}`;
  return startKitCeiling('quorum-ceiling', nodes, {
    write: {
      summary: 'SET on every replica',
      run: (key, value) =>
        Promise.all(nodes.map((node) => node.run((client) => client.set(stored(key), value)))),
    },
    read: {
      summary: 'GET from R replicas',
      run: async (key) => {
        const values = await Promise.all(
          nodes.slice(0, readers).map((node) => node.run((client) => client.get(stored(key)))),
        );
        return values[0] ?? null;
      },
    },
  });
}

/**
 * The kit route again, now making the pattern's own replica calls: PUT /kv/{key} sends every replica the
 * put-version script (the sibling rule, the digest and the Merkle leaf's upkeep that issue #16 asks to keep
 * in the write itself) with a clock above the last one it sent, and GET /kv/{key} reads the sibling set
 * from `readers` replicas and resolves the versions. No coordination: no clock read on a key's first
 * write, no fan-out record, trace, event, history or hints. What is left between this and the
 * coordinator is that coordination; between this and the plain kit route, the storage design.
 */
export function startStoreFanOutCeiling(
  nodes: readonly RedisNode[],
  readers: number,
): Promise<CeilingService> {
  const stores = nodes.map((node) => new ReplicaStore(node));
  const writer = 'quorum-store-ceiling';
  const clocks = new Map<string, VectorClock>();
  return startKitCeiling(writer, nodes, {
    write: {
      summary: 'put-version on every replica',
      run: (key, value) => {
        const clock = increment(clocks.get(key) ?? emptyClock(), writer);
        clocks.set(key, clock);
        const version: StoredVersion = { value, isTombstone: false, clock, writtenAt: Date.now(), writer };
        const put = encodePut(key, [version], 'vector-clock');
        return Promise.all(stores.map((store) => store.putEncoded(put)));
      },
    },
    read: {
      summary: 'Sibling sets from R replicas, resolved',
      run: async (key) => {
        const sets = await Promise.all(stores.slice(0, readers).map((store) => store.readVersions(key)));
        return resolveVersions(sets.flat(), 'vector-clock')[0]?.value ?? null;
      },
    },
  });
}

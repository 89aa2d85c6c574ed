/**
 * What any HTTP lock service can reach on this machine, started by the bench in its own process as
 * the lock service is: the same two requests per cycle, the same JSON bodies and answers, served by
 * bare Express 5 (no validation, logging, metrics, history or live view), either with no lock work at
 * all or around the `redlock` library on the same five nodes.
 *
 *   POST /bare/locks/:resource            201 {token}   nothing else
 *   POST /bare/locks/:resource/release    204
 *   POST /redlock/locks/:resource         201 {token}   redlock.acquire (waitMs > 0: its built-in retries)
 *   POST /redlock/locks/:resource/release 204           lock.release
 *
 * Env: PORT, LOCK_NODES (redis URLs joined by commas), LAB_PARENT_PID (exits when the bench does).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import { Redis } from 'ioredis';
import Redlock from 'redlock';
import type { Lock } from 'redlock';

const port = Number(process.env.PORT ?? 0);
const clients = (process.env.LOCK_NODES ?? '')
  .split(',')
  .filter((url) => url !== '')
  .map((url) => new Redis(url, { maxRetriesPerRequest: 0 }));
// The same options as the bench's direct redlock rows (bench/cycles.ts).
const redlock = new Redlock(clients, { retryCount: 0, driftFactor: 0.01 });
const contendedRedlock = new Redlock(clients, { retryCount: 1_000, retryDelay: 10, retryJitter: 5 });
const held = new Map<string, Lock>();

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.use(express.json());
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/bare/locks/:resource', (_req, res) => {
  res.status(201).json({ token: randomUUID() });
});
app.post('/bare/locks/:resource/release', (_req, res) => {
  res.status(204).end();
});
app.post('/redlock/locks/:resource', async (req, res) => {
  const body = req.body as { ttlMs: number; waitMs?: number };
  const lock = await ((body.waitMs ?? 0) > 0 ? contendedRedlock : redlock).acquire(
    [req.params.resource],
    body.ttlMs,
  );
  held.set(lock.value, lock);
  res.status(201).json({ token: lock.value });
});
app.post('/redlock/locks/:resource/release', async (req, res) => {
  const { token } = req.body as { token: string };
  const lock = held.get(token);
  if (!lock) {
    res.status(409).json({ code: 'NOT_LOCK_HOLDER' });
    return;
  }
  held.delete(token);
  await lock.release();
  res.status(204).end();
});
// Express 5 hands a rejected acquire here; the load generator counts it as an error.
app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  res.status(503).json({ code: 'QUORUM_UNAVAILABLE' });
});

const server = createServer(app);
server.listen(port, '127.0.0.1');
const stop = () => {
  server.closeAllConnections();
  server.close();
  for (const c of clients) c.disconnect();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
const parentPid = Number(process.env.LAB_PARENT_PID ?? 0);
if (parentPid > 0) {
  setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      stop();
      process.exit(0);
    }
  }, 1_000).unref();
}

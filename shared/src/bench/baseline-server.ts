import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';

/**
 * The yardstick every pattern's figures are divided by: a bare Express 5
 * route doing one Redis call, nothing else (no validation, no logging).
 * FIELD_NOTES measured ≈ 8k req/s for GET here; same-run ratios cancel the noise.
 */
export async function startBaselineServer(
  redisUrl: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const redis = new Redis(redisUrl, { enableOfflineQueue: true, maxRetriesPerRequest: 1 });
  await redis.set('lab:bench:baseline', 'value');
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(express.json());
  app.get('/baseline/get', async (_req, res) => {
    res.json({ value: await redis.get('lab:bench:baseline') });
  });
  app.put('/baseline/set', async (req, res) => {
    await redis.set('lab:bench:baseline', JSON.stringify(req.body));
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
      redis.disconnect();
    },
  };
}

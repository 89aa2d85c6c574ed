import { z } from 'zod';
import { backpressurePolicies } from './domain/outbox.ts';
import { engineNames } from './engines/fanout.ts';
import { parseEnv } from '@kvs-lab/shared/service';

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Every environment variable the service reads, with its default; parsed once at start-up. */
export const configSchema = z.object({
  /** What fans notifications out: the pattern's own Pub/Sub bus, or socket.io's Redis streams adapter. */
  ENGINE: z.enum(engineNames).default('pubsub'),
  /** socketio-adapter: how long a disconnected socket's session is kept for connection state recovery. */
  RECOVERY_MAX_DISCONNECTION_MS: int(120_000, 1_000, 3_600_000),
  SERVICE_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .default('pubsub-a'),
  PORT: int(7201, 0, 65_535),
  REDIS_NODES: z.string().min(1).default('pubsub-redis=redis://127.0.0.1:7210'),
  /** Origins allowed to open a socket.io connection from a browser (comma-separated); same-origin always works. */
  CORS_ORIGINS: z.string().default(''),
  /** socket.io's maxHttpBufferSize: a bigger client message closes its connection. */
  SOCKET_MAX_BUFFER_BYTES: int(16_384, 1_024, 1_000_000),
  HISTORY_MAX_COUNT: int(1_000, 1, 1_000_000),
  HISTORY_MAX_AGE_MS: int(86_400_000, 1_000, 30 * 86_400_000),
  BACKPRESSURE_POLICY: z.enum(backpressurePolicies).default('drop-oldest'),
  OUTBOX_CAPACITY: int(64, 1, 10_000),
  OUTBOX_WINDOW: int(16, 1, 1_000),
  MAX_SUBSCRIPTIONS_PER_SOCKET: int(20, 1, 1_000),
  SYNC_PAGE_MAX: int(1_000, 1, 10_000),
  PRESENCE_INTERVAL_MS: int(1_000, 100, 60_000),
});

export type PubsubConfig = z.output<typeof configSchema>;

/** Parses the environment, failing fast with every bad variable named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): PubsubConfig {
  return parseEnv('gmail-pubsub', configSchema, env);
}

/** The defaults, for tests and the bench: override what the experiment changes. */
export const defaultConfig = (overrides: Partial<PubsubConfig> = {}): PubsubConfig => ({
  ...configSchema.parse({}),
  ...overrides,
});

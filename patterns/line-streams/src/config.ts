import { parseEnv, z } from '@kvs-lab/shared/service';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Every setting, from the environment, with its default; one schema, so the README table matches. */
export const configSchema = z.object({
  SERVICE_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .default('streams-api'),
  /** `api` serves the API only; `worker` also runs the delivery loop as consumer SERVICE_NAME. */
  ROLE: z.enum(['api', 'worker']).default('api'),
  PORT: int(0, 65_535, 7301),
  REDIS_NODES: z.string().default('streams-redis=redis://127.0.0.1:7310'),
  DELIVERY_GROUP: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .default('delivery'),
  MAX_TEXT_BYTES: int(1, 60_000, 4_096),
  ROOM_MAX_LEN: int(1, 1_000_000, 1_000),
  /** Entries older than this are trimmed at the room's next send (XTRIM MINID); 0: no age limit. */
  ROOM_MAX_AGE_MS: int(0, 365 * 86_400_000, 0),
  /** Dead letters kept; older ones are dropped and counted (`deadLettersDropped`). */
  DEAD_LETTER_MAX_LEN: int(1, 10_000_000, 10_000),
  /** Replay records kept (what /check uses to account for replayed dead letters); older ones dropped and counted. */
  REPLAYS_MAX_LEN: int(1, 10_000_000, 10_000),
  DEDUP_TTL_MS: int(1_000, 30 * 86_400_000, 86_400_000),
  RATE_LIMIT: int(0, 1_000_000, 100),
  RATE_WINDOW_MS: int(100, 3_600_000, 1_000),
  MAX_DELIVERIES: int(1, 1_000, 5),
  CLAIM_MIN_IDLE_MS: int(50, 3_600_000, 3_000),
  CLAIM_INTERVAL_MS: int(20, 3_600_000, 1_000),
  READ_COUNT: int(1, 10_000, 100),
  READ_BLOCK_MS: int(1, 60_000, 500),
  /** After a read of fewer than READ_COUNT entries, wait this long so entries gather into bigger batches; 0: off. */
  READ_LINGER_MS: int(0, 1_000, 20),
  INBOX_MAX_LEN: int(1, 1_000_000, 1_000),
  LIVE_POLL_MS: int(100, 60_000, 1_000),
});

export type Config = z.infer<typeof configSchema>;

/** Parses the environment; a bad value stops the process with every problem named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv('line-streams', configSchema, env);
}

/** The settings a service needs, as plain values (tests build them without an environment). */
export type StreamSettings = Omit<Config, 'PORT' | 'REDIS_NODES'>;

import { parseRedisNodes } from '@kvs-lab/shared/redis';
import type { RedisNodeAddress } from '@kvs-lab/shared/redis';
import { z } from 'zod';
import { majority } from './domain/quorum.ts';
import type { QuorumSettings } from './settings.ts';
import { badConfiguration, parseEnv } from '@kvs-lab/shared/service';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const ms = z.coerce.number().int().min(0).max(3_600_000);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(7401),
  SERVICE_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/)
    .default('quorum-a'),
  REDIS_NODES: z
    .string()
    .default(
      'replica-1=redis://127.0.0.1:7411,replica-2=redis://127.0.0.1:7412,replica-3=redis://127.0.0.1:7413',
    ),
  WRITE_QUORUM: z.coerce.number().int().min(1).optional(),
  READ_QUORUM: z.coerce.number().int().min(1).optional(),
  CONFLICT_POLICY: z.enum(['vector-clock', 'lww']).default('vector-clock'),
  SLOPPY_QUORUM: flag.default(false),
  HINTED_HANDOFF: flag.default(true),
  READ_REPAIR: flag.default(true),
  ANSWER_AT_QUORUM: flag.default(false),
  MAX_CLOCK_ENTRIES: z.coerce.number().int().min(1).max(64).default(10),
  MERKLE_DEPTH: z.coerce.number().int().min(0).max(12).default(8),
  HINT_REPLAY_INTERVAL_MS: ms.default(1_000),
  ANTI_ENTROPY_INTERVAL_MS: ms.default(30_000),
  TOMBSTONE_GRACE_MS: ms.default(60_000),
  PEERS: z.string().default(''),
});

/** Another coordinator, whose recorded history GET /check reads too. */
export interface PeerAddress {
  readonly name: string;
  readonly url: string;
}

/** `PEERS=quorum-b=http://127.0.0.1:7402,...` as the runner and compose pass it; empty means none. */
export function parsePeers(value: string): PeerAddress[] {
  if (value.trim() === '') return [];
  return value.split(',').map((entry) => {
    const at = entry.indexOf('=');
    const name = entry.slice(0, at).trim();
    const url = entry.slice(at + 1).trim();
    if (at <= 0 || !/^https?:\/\/[^/\s]+$/.test(url)) {
      throw badConfiguration('quorum-consistency', `PEERS entry "${entry}" must be name=http://host:port`);
    }
    return { name, url };
  });
}

export interface QuorumConfig {
  readonly port: number;
  readonly instance: string;
  readonly replicas: readonly RedisNodeAddress[];
  readonly settings: QuorumSettings;
  readonly maxClockEntries: number;
  readonly merkleDepth: number;
  /** 0 turns the loop off. */
  readonly hintReplayIntervalMs: number;
  /** 0 turns the loop off. */
  readonly antiEntropyIntervalMs: number;
  readonly tombstoneGraceMs: number;
  readonly peers: readonly PeerAddress[];
}

/** Parses the environment once at start-up; throws a message naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): QuorumConfig {
  const e = parseEnv('quorum-consistency', envSchema, env);
  const replicas = parseRedisNodes(e.REDIS_NODES);
  const n = replicas.length;
  const settings: QuorumSettings = {
    w: e.WRITE_QUORUM ?? majority(n),
    r: e.READ_QUORUM ?? majority(n),
    conflictPolicy: e.CONFLICT_POLICY,
    sloppyQuorum: e.SLOPPY_QUORUM,
    hintedHandoff: e.HINTED_HANDOFF,
    readRepair: e.READ_REPAIR,
    answerAtQuorum: e.ANSWER_AT_QUORUM,
  };
  if (settings.w > n || settings.r > n) {
    throw badConfiguration('quorum-consistency', `WRITE_QUORUM and READ_QUORUM must be at most N=${n}`);
  }
  return {
    port: e.PORT,
    instance: e.SERVICE_NAME,
    replicas,
    settings,
    maxClockEntries: e.MAX_CLOCK_ENTRIES,
    merkleDepth: e.MERKLE_DEPTH,
    hintReplayIntervalMs: e.HINT_REPLAY_INTERVAL_MS,
    antiEntropyIntervalMs: e.ANTI_ENTROPY_INTERVAL_MS,
    tombstoneGraceMs: e.TOMBSTONE_GRACE_MS,
    peers: parsePeers(e.PEERS),
  };
}

import { clockOfVersionId, versionId } from '../domain/versioned-value.ts';
import type { StoredVersion } from '../domain/versioned-value.ts';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';

/** A version as a replica stores it: the hash field (its id) and the JSON body. */
export interface EncodedVersion {
  readonly id: string;
  readonly body: string;
}

export function encodeVersion(version: StoredVersion): EncodedVersion {
  return {
    id: versionId(version.clock),
    body: JSON.stringify({
      value: version.value,
      isTombstone: version.isTombstone,
      writtenAt: version.writtenAt,
      writer: version.writer,
    }),
  };
}

/** Reads a stored version back; a field this code did not write is reported, never guessed at. */
export function decodeVersion(id: string, body: string): StoredVersion {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const { value, isTombstone, writtenAt, writer } = parsed;
  if (
    (typeof value !== 'string' && value !== null) ||
    typeof isTombstone !== 'boolean' ||
    typeof writtenAt !== 'number' ||
    typeof writer !== 'string'
  ) {
    throw new Error(`a stored version has an unexpected shape: ${body.slice(0, 80)}`);
  }
  return { value, isTombstone, writtenAt, writer, clock: clockOf(id) };
}

/** Clocks parsed from version ids, by id: a read decodes the same few ids again and again, and clocks are frozen. */
const clocks = new Map<string, VectorClock>();
const clockCacheSize = 10_000;

function clockOf(id: string): VectorClock {
  let clock = clocks.get(id);
  if (clock === undefined) {
    clock = clockOfVersionId(id);
    if (clocks.size >= clockCacheSize) clocks.clear();
    clocks.set(id, clock);
  }
  return clock;
}

/** A hint's field in its holder's hash: the key and the version id, so one key can wait with several versions. */
export function encodeHintField(key: string, id: string): string {
  return JSON.stringify([key, id]);
}

/** A hint's field read back; one this code did not write is reported. */
export function decodeHintField(field: string): { key: string; id: string } {
  const parsed: unknown = JSON.parse(field);
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string')
    throw new Error(`a stored hint field has an unexpected shape: ${field.slice(0, 80)}`);
  return { key: parsed[0], id: parsed[1] };
}

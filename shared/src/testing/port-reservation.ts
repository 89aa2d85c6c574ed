import { mkdirSync, openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isPortFree } from '../process/free-port.ts';

/**
 * Fixed ports claimed across test processes. Tests that start the real runner at a port offset
 * (README runners, the whole lab, the runner's own tests) check that their ports are free, but the
 * runner binds them seconds later: two test files in parallel workers could both find a port free and
 * both choose it. A file per port, created exclusively, closes that window; a claim whose process is
 * gone is stale and taken over.
 */
const reservationDir = path.join(tmpdir(), 'kvs-lab-port-reservations');

/**
 * Every port a pattern may bind at offset 0, whichever engine runs: its whole block of 100 (services,
 * Redis nodes, sentinels, etcd members) and the same block + 10000 (Redis Cluster bus ports).
 */
export function patternBlockPorts(portBlock: number): number[] {
  const block = Array.from({ length: 100 }, (_, i) => portBlock + i);
  return [...block, ...block.map((port) => port + 10_000)];
}

/**
 * Offsets that keep every pattern's ports and their cluster bus ports (7000-7999, 17000-17999) below
 * Linux's ephemeral range (32768 and up), where an outgoing connection or an OS-assigned listener of a
 * test in another worker can take a port between the check that it is free and the runner binding it.
 * They land on 8000-14999 and 18000-24999 (below 7000 lie the machine's own services: Redis, Postgres...).
 */
export const belowEphemeralOffsets: readonly number[] = [1000, 2000, 3000, 4000, 5000, 6000, 7000];

/** One of `belowEphemeralOffsets` at random, for `reservePortOffset`'s `nextOffset`. */
export function randomBelowEphemeralOffset(): number {
  return belowEphemeralOffsets[Math.floor(Math.random() * belowEphemeralOffsets.length)] ?? 1000;
}

export interface PortReservation {
  readonly offset: number;
  release(): void;
}

const held = new Set<string>();
let isExitHookSet = false;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function claim(port: number): string | undefined {
  const file = path.join(reservationDir, String(port));
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(file);
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      // A claim being written has no pid yet: treat it as live.
      if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) return undefined;
      try {
        unlinkSync(file);
      } catch {
        // Another process took the stale claim over first.
      }
    }
  }
  return undefined;
}

function releaseFiles(files: readonly string[]): void {
  for (const file of files) {
    held.delete(file);
    try {
      unlinkSync(file);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Picks an offset (from `nextOffset`, called until one works) at which every one of `ports` is both
 * unclaimed by another test process and free on this machine, and claims them until `release()` (or
 * this process's exit).
 */
export async function reservePortOffset(
  ports: readonly number[],
  nextOffset: () => number,
  attempts = 50,
): Promise<PortReservation> {
  mkdirSync(reservationDir, { recursive: true });
  if (!isExitHookSet) {
    isExitHookSet = true;
    process.once('exit', () => releaseFiles([...held]));
  }
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const offset = nextOffset();
    const claimed: string[] = [];
    let isClaimed = true;
    for (const port of ports) {
      const file = claim(port + offset);
      if (file === undefined) {
        isClaimed = false;
        break;
      }
      claimed.push(file);
    }
    if (isClaimed && (await Promise.all(ports.map((p) => isPortFree(p + offset)))).every(Boolean)) {
      return { offset, release: () => releaseFiles(claimed) };
    }
    releaseFiles(claimed);
  }
  throw new Error(`no port offset with ${ports.length} free ports after ${attempts} tries`);
}

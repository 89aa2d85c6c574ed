import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { ProtocolMessage } from '@kvs-lab/shared/history';
import type { Logger } from '@kvs-lab/shared/service';
import { stepAfter } from '../domain/delivery-outcome.ts';
import type { DeliveryOutcome } from '../domain/delivery-outcome.ts';
import { orderByRoom } from '../domain/room-order.ts';
import type { HeldEntry } from '../domain/room-order.ts';
import type { DeliveryAttempt } from '../store/script-replies.ts';
import { toHeldEntry } from '../store/stream-entry.ts';
import type { StreamStore } from '../store/stream-store.ts';
import type { LineStreamsEvent } from '../realtime/events.ts';
import {
  claimEvents,
  claimMessages,
  deliveredMessages,
  settledMessages,
} from '../realtime/protocol-messages.ts';
import { applyIsolatingRooms } from './room-isolation.ts';

export interface DeliveryWorkerOptions {
  readonly store: StreamStore;
  readonly group: string;
  readonly consumer: string;
  readonly readCount: number;
  readonly readBlockMs: number;
  /** After a read that found some entries but fewer than readCount, wait this long before the next one. */
  readonly readLingerMs: number;
  readonly claimMinIdleMs: number;
  readonly claimIntervalMs: number;
  readonly maxDeliveries: number;
  readonly inboxMaxLen: number;
  readonly deadLetterMaxLen: number;
  readonly logger: Logger;
  /** The handler "fails" on these entries (the poison fault). */
  readonly isPoison: (entry: HeldEntry) => boolean;
  /** Rare events for every live view (claims, dead letters, crashes). */
  readonly publish: (event: LineStreamsEvent) => void;
  /**
   * This worker's protocol steps (deliveries, effects, acks, claims) for the trace, built only if the
   * trace takes them: under load most are sampled out, and building them would be work for nothing.
   */
  readonly trace: (build: () => ProtocolMessage[]) => void;
  /** What a crash is: process.exit in a real worker, abandoning the loop in an in-process test. */
  readonly onCrash: () => void;
  /** The clock (ms): idle times, heartbeats and order waits read it, so a test can drive time. */
  readonly now?: () => number;
}

export interface WorkerStats {
  read: number;
  claimed: number;
  applied: number;
  duplicates: number;
  gone: number;
  deadLettered: number;
  failed: number;
  waitsForOrder: number;
  acked: number;
  errors: number;
  /** Rooms that failed the delivery script on their own (their entries released for a redelivery). */
  roomErrors: number;
}

class CrashSignal extends Error {}

const roomsCacheMs = 500;
/** Entries one claim takes per room. */
const claimCount = 100;
/** How long a room that answered NOT_YET rests before this worker asks again. */
const orderRetryMs = 20;

/**
 * One consumer of the `delivery` group: reads new entries of every room in
 * batches (XREADGROUP ... COUNT), recovers idle ones from the PEL (XAUTOCLAIM),
 * applies a batch's effects through one deliver.lua call in room order, and
 * acks after the effects. A crash
 * between effect and ack is allowed: the redelivery finds the applied mark.
 */
export class DeliveryWorker {
  readonly stats: WorkerStats = {
    read: 0,
    claimed: 0,
    applied: 0,
    duplicates: 0,
    gone: 0,
    deadLettered: 0,
    failed: 0,
    waitsForOrder: 0,
    acked: 0,
    errors: 0,
    roomErrors: 0,
  };
  private readonly held = new Map<string, HeldEntry>();
  private readonly orderWaitUntil = new Map<string, number>();
  private isRunning = false;
  private loopDone: Promise<void> = Promise.resolve();
  private blocking: Redis | undefined;
  private rooms: { names: string[]; at: number } = { names: [], at: 0 };
  private lastClaimAt = 0;
  private lastHeartbeatAt = 0;
  /** The crash-before-ack fault: crash after this many more effects, before their ack. */
  private crashAfterEffects: number | undefined;

  private readonly options: DeliveryWorkerOptions;

  private readonly now: () => number;

  constructor(options: DeliveryWorkerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get heldCount(): number {
    return this.held.size;
  }

  get crashArmed(): number | undefined {
    return this.crashAfterEffects;
  }

  armCrash(afterEffects: number | undefined): void {
    this.crashAfterEffects = afterEffects;
  }

  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.loopDone = this.loop();
  }

  /** Stops after the current step; entries it holds stay in the PEL for a claim. */
  async stop(): Promise<void> {
    this.isRunning = false;
    this.blocking?.disconnect();
    this.blocking = undefined;
    await this.loopDone;
    this.held.clear();
  }

  private async loop(): Promise<void> {
    while (this.isRunning) {
      try {
        await this.step();
      } catch (error) {
        if (error instanceof CrashSignal || !this.isRunning) break;
        this.stats.errors += 1;
        this.options.logger.warn({ err: error }, 'delivery step failed; retrying');
        this.blocking?.disconnect();
        this.blocking = undefined;
        await sleep(200);
      }
    }
  }

  private async step(): Promise<void> {
    const { store, group, consumer } = this.options;
    const rooms = await this.currentRooms();
    if (rooms.length === 0) {
      await sleep(this.options.readBlockMs);
      return;
    }
    const now = this.now();
    if (now - this.lastClaimAt >= this.options.claimIntervalMs) {
      this.lastClaimAt = now;
      await this.recover(rooms);
    }
    await this.heartbeatIfDue();
    if (this.held.size < this.options.readCount) {
      // With entries waiting for an older one held elsewhere, poll instead of blocking long.
      const blockMs = this.held.size === 0 ? this.options.readBlockMs : 10;
      const client = await this.blockingClient();
      const fresh = await store.groups.readAs(
        client,
        group,
        consumer,
        rooms,
        this.options.readCount - this.held.size,
        blockMs,
        toHeldEntry,
      );
      this.stats.read += fresh.length;
      for (const m of fresh) this.hold(m);
      if (fresh.length > 0) this.options.trace(() => deliveredMessages(consumer, fresh));
      if (!this.isRunning) return;
      await this.processHeld();
      // A trickle would make every step a batch of one: let entries gather (Kafka's fetch.max.wait.ms idea),
      // so the cost of a step (a read, a script and an ack per room) is shared by many messages.
      if (fresh.length > 0 && fresh.length < this.options.readCount && this.options.readLingerMs > 0)
        await sleep(this.options.readLingerMs);
      return;
    }
    if (!this.isRunning) return;
    await this.processHeld();
  }

  private hold(entry: HeldEntry): void {
    this.held.set(`${entry.room}/${entry.id}`, entry);
  }

  private async currentRooms(): Promise<string[]> {
    if (this.now() - this.rooms.at > roomsCacheMs) {
      this.rooms = { names: await this.options.store.rooms.names(), at: this.now() };
    }
    return this.rooms.names;
  }

  private async blockingClient(): Promise<Redis> {
    this.blocking ??= await this.options.store.node.blockingClient();
    return this.blocking;
  }

  /**
   * XAUTOCLAIM: entries idle past claimMinIdleMs (a dead consumer's, or a released poison one),
   * with the owner each was taken from, for the page and the trace.
   */
  private async recover(rooms: readonly string[]): Promise<void> {
    const { store, group, consumer, claimMinIdleMs } = this.options;
    const { claimed, records } = await store.groups.claimIdle(
      group,
      consumer,
      claimMinIdleMs,
      rooms,
      claimCount,
    );
    if (claimed.length === 0) return;
    this.stats.claimed += claimed.length;
    for (const m of claimed) this.hold(m);
    const claims = claimEvents(consumer, records);
    for (const payload of claims) this.options.publish({ event: 'entry:claimed', payload });
    this.options.trace(() => claimMessages(claims));
  }

  /**
   * Keeps held entries from looking idle, so nobody claims what this worker
   * still works on: one pipelined XCLAIM ... JUSTID over every room it holds.
   * Entries waiting for order can be held for long under load: their idle
   * time must not pass claimMinIdleMs, or the other worker claims them and
   * every such claim counts a delivery towards the dead letters.
   */
  private async heartbeatIfDue(): Promise<void> {
    if (this.held.size === 0 || this.now() - this.lastHeartbeatAt < this.options.claimMinIdleMs / 3) return;
    this.lastHeartbeatAt = this.now();
    const runs = [...orderByRoom(this.held.values())].map(([room, entries]) => ({
      room,
      ids: entries.map((e) => e.id),
    }));
    await this.options.store.groups.heartbeat(this.options.group, this.options.consumer, runs);
  }

  /**
   * One script call for every room this worker holds entries of (each room's run oldest first), then one
   * ack.lua call for what it settled: a batch costs two round trips however many rooms it spans. The
   * acks come after the effects, so a batch that fails before them acks nothing, and its entries come back
   * as duplicates. A script error is retried one room per call, so a broken room stalls only itself. The
   * crash fault caps the batch, so the crash comes after exactly that many effects.
   */
  private async processHeld(): Promise<void> {
    const { store, group, consumer } = this.options;
    await this.heartbeatIfDue();
    // A room that just had to wait for the other worker is not asked again at once: each ask costs a script.
    const ready = [...orderByRoom(this.held.values())].filter(
      ([room]) => (this.orderWaitUntil.get(room) ?? 0) <= this.now(),
    );
    if (ready.length === 0) return;
    const answers = await applyIsolatingRooms(
      ready.map(([room, entries]) => ({
        room,
        entries: entries.map((entry) => ({ id: entry.id, handlerFailed: this.options.isPoison(entry) })),
      })),
      this.crashAfterEffects ?? 0,
      async (runs, maxApplied) =>
        (
          await store.delivery.applyBatch({
            group,
            runs,
            maxDeliveries: this.options.maxDeliveries,
            inboxMaxLen: this.options.inboxMaxLen,
            deadLetterMaxLen: this.options.deadLetterMaxLen,
            maxApplied,
            consumer,
            now: this.now(),
          })
        ).runs,
    );
    const settled = ready.map(([room, entries], index) => {
      const answer = answers[index];
      if (answer && 'error' in answer) this.releaseBrokenRoom(room, entries, answer.error);
      return this.settle(room, entries, answer?.attempts ?? []);
    });
    const appliedNow = settled.reduce((sum, s) => sum + s.appliedNow, 0);
    if (this.isCrashDue(appliedNow)) {
      this.options.trace(() => settled.flatMap((s) => settledMessages(consumer, s.room, s.results, [])));
      this.crash();
    }
    this.stats.acked += await store.groups.ackRuns(
      group,
      settled.map((s) => ({ room: s.room, ids: s.toAck })),
    );
    // One relay for the whole batch: each is a PUBLISH that every instance parses.
    this.options.trace(() => settled.flatMap((s) => settledMessages(consumer, s.room, s.results, s.toAck)));
  }

  /**
   * A room the script failed on by itself: its entries are let go unacked, like a handler failure, so they
   * idle in the PEL and a claim redelivers them (counting a delivery) until the room is fixed or, when the
   * script can still reach them, they pass maxDeliveries and become dead letters.
   */
  private releaseBrokenRoom(room: string, entries: readonly HeldEntry[], error: Error): void {
    this.stats.roomErrors += 1;
    this.options.logger.warn(
      { err: error, room, entries: entries.length },
      'the delivery script fails on this room alone; its entries wait in the PEL for a redelivery',
    );
    for (const entry of entries) this.held.delete(`${room}/${entry.id}`);
  }

  /** One room's outcomes: counted, released or kept held, and what to ack. Entries past them were not attempted. */
  private settle(room: string, entries: readonly HeldEntry[], outcomes: readonly DeliveryAttempt[]) {
    const toAck: string[] = [];
    const results: { id: string; outcome: DeliveryOutcome; deliveries: number }[] = [];
    let appliedNow = 0;
    for (const [index, result] of outcomes.entries()) {
      const entry = entries[index];
      if (!entry) break;
      this.count(entry, result);
      results.push({ id: entry.id, ...result });
      if (result.outcome === 'APPLIED') appliedNow += 1;
      if (result.outcome === 'NOT_YET') this.orderWaitUntil.set(room, this.now() + orderRetryMs);
      else this.orderWaitUntil.delete(room);
      const next = stepAfter(result.outcome);
      if (next.ack) toAck.push(entry.id);
      if (next.release) this.held.delete(`${room}/${entry.id}`);
    }
    // Entries past the outcomes stay held, in order, for the next round.
    return { room, results, toAck, appliedNow };
  }

  private count(entry: HeldEntry, result: { outcome: DeliveryOutcome; deliveries: number }): void {
    const { consumer } = this.options;
    switch (result.outcome) {
      case 'APPLIED':
        this.stats.applied += 1;
        break;
      case 'DUPLICATE':
        this.stats.duplicates += 1;
        break;
      case 'GONE':
        this.stats.gone += 1;
        break;
      case 'NOT_YET':
        this.stats.waitsForOrder += 1;
        break;
      case 'FAILED':
        this.stats.failed += 1;
        this.options.publish({
          event: 'entry:failed',
          payload: { consumer, room: entry.room, id: entry.id, deliveries: result.deliveries },
        });
        break;
      case 'DEAD_LETTERED':
        this.stats.deadLettered += 1;
        this.options.publish({
          event: 'entry:dead-lettered',
          payload: {
            room: entry.room,
            id: entry.id,
            reason: 'max-deliveries',
            deliveries: result.deliveries,
          },
        });
        break;
    }
  }

  /** The crash-before-ack fault counts effects down; true when this run's effects reached it. */
  private isCrashDue(appliedNow: number): boolean {
    if (this.crashAfterEffects === undefined || appliedNow === 0) return false;
    this.crashAfterEffects -= appliedNow;
    return this.crashAfterEffects <= 0;
  }

  /** The crash-before-ack fault: the effects are in Redis, their ack never comes. */
  private crash(): never {
    this.crashAfterEffects = undefined;
    this.isRunning = false;
    this.options.logger.warn({ consumer: this.options.consumer }, 'crash-before-ack fault: crashing now');
    this.blocking?.disconnect();
    this.blocking = undefined;
    this.options.onCrash();
    throw new CrashSignal('crashed before ack');
  }
}

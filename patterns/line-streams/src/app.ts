import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { History, MessageBudget, mountCheck } from '@kvs-lab/shared/history';
import type { ProtocolMessage, TraceLog } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import { createService, z } from '@kvs-lab/shared/service';
import type { ChaosFault, Logger, PatternApp } from '@kvs-lab/shared/service';
import type { StreamSettings } from './config.ts';
import { mountRoutes } from './http/routes.ts';
import { LineStreamsService } from './line-streams-service.ts';
import type { LineInput, LineOutput } from './check/line-history.ts';
import { parseRelayedEvent, protocolMessagesIn } from './realtime/events.ts';
import type { ClaimEvent, LineStreamsEvent, LineStreamsLiveEvents } from './realtime/events.ts';
import { readLiveState } from './realtime/live-state.ts';
import { keys } from './store/keys.ts';
import { StreamStore } from './store/stream-store.ts';
import { DeliveryWorker } from './worker/delivery-worker.ts';
import { lineStreamsErrors } from './errors.ts';

export interface LineStreamsDeps {
  readonly node: RedisNode;
  readonly settings: StreamSettings;
  readonly logger?: Logger;
  /** The admin token (default: LAB_ADMIN_TOKEN); tests pass their own. */
  readonly adminToken?: string;
  /** What the crash-before-ack fault does; a real worker exits, a test abandons the loop. */
  readonly onCrash?: () => void;
}

/** Protocol messages a worker relays to every instance's trace per second; a benchmark's flood is sampled. */
const relayedMessagesPerSecond = 300;
/** A worker gathers its trace messages this long before relaying them in one PUBLISH. */
const relayFlushMs = 100;
/** Claims a freshly opened page is given. */
const claimsKept = 10;

/** A worker instance has its delivery loop; tests read its stats and the store's parts. */
export type LineStreamsApp = PatternApp<{ worker: DeliveryWorker | undefined; store: StreamStore }>;

/** Builds one instance (API or worker: the same app, a worker also consumes); does not listen. */
// eslint-disable-next-line @typescript-eslint/require-await -- async like every pattern's createApp
export async function createApp(deps: LineStreamsDeps): Promise<LineStreamsApp> {
  const { node, settings } = deps;
  const store = new StreamStore(node);
  // The trace log comes with /check (mounted last); until then there is nothing to record.
  const traceRef: { log?: TraceLog } = {};
  const recordMessages = (messages: ProtocolMessage[]): void => {
    traceRef.log?.recordMessages(messages);
  };
  const claims: (ClaimEvent & { at: number })[] = [];
  const faultState: { poison?: string; crash?: number } = {};
  let worker: DeliveryWorker | undefined;

  const faults: ChaosFault[] =
    settings.ROLE === 'worker'
      ? [
          {
            name: 'poison',
            description:
              "This worker's handler fails on every message whose text contains `textContains`: a poison message. It is retried through claims until maxDeliveries, then dead-lettered.",
            params: z.strictObject({ textContains: z.string().min(1).max(200) }),
            inject: (params: { textContains: string }) => {
              faultState.poison = params.textContains;
            },
            heal: () => {
              delete faultState.poison;
            },
            state: () => (faultState.poison === undefined ? null : { textContains: faultState.poison }),
          },
          {
            name: 'crash-before-ack',
            description:
              'After applying `afterEffects` more effects, this worker crashes (the process exits) before acking them: its entries stay in the PEL for the other worker to claim.',
            params: z.strictObject({ afterEffects: z.number().int().min(1).max(10_000).default(1) }),
            inject: (params: { afterEffects: number }) => worker?.armCrash(params.afterEffects),
            heal: () => worker?.armCrash(undefined),
            state: () => (worker?.crashArmed === undefined ? null : { afterEffects: worker.crashArmed }),
          },
        ]
      : [];

  const service = createService({
    name: 'line-streams',
    errors: lineStreamsErrors,
    instance: settings.SERVICE_NAME,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.adminToken ? { adminToken: deps.adminToken } : {}),
    description: `LINE-style messaging on Redis Streams: rooms are streams, workers in the consumer group \`${settings.DELIVERY_GROUP}\` deliver to inboxes at least once with an idempotent effect. Instance \`${settings.SERVICE_NAME}\` (${settings.ROLE}).`,
    readiness: redisReadinessChecks([node]),
    links: [node],
    faults,
  });
  const liveSettings = {
    group: settings.DELIVERY_GROUP,
    claimMinIdleMs: settings.CLAIM_MIN_IDLE_MS,
    maxDeliveries: settings.MAX_DELIVERIES,
    claims,
  };
  const live = mountLiveView<LineStreamsLiveEvents>(service, {
    pageDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
    page: { title: 'line-streams', stylesheet: './streams-view.css', script: './streams-view.js' },
    snapshot: () => readLiveState(store, liveSettings),
  });

  // Rare events go through Redis so every instance's page sees every worker's claims and dead letters.
  const announce = (event: LineStreamsEvent, scope: 'local' | 'everywhere'): void => {
    if (scope === 'local') live.emit(event.event, event.payload);
    else
      store.publish(event).catch((error: unknown) => service.logger.warn({ err: error }, 'publish failed'));
  };
  // What every instance does with a relayed event: workers' protocol steps go to the trace, the rest to the page.
  const relayed = (event: LineStreamsEvent): void => {
    if (event.event === 'trace:messages') {
      recordMessages(protocolMessagesIn(event.payload));
      return;
    }
    if (event.event === 'worker:crashed') {
      traceRef.log?.record({
        type: 'fault',
        node: event.payload.consumer,
        kind: 'crash',
        detail: event.payload,
      });
    }
    if (event.event === 'entry:claimed') {
      claims.push({ ...event.payload, at: Date.now() });
      claims.splice(0, Math.max(0, claims.length - claimsKept));
    }
    live.emit(event.event, event.payload);
  };
  // A worker's protocol messages leave in one PUBLISH per relayFlushMs, not one per batch: every instance
  // parses each relay, so under load a relay per batch cost the API (and both workers) more than the
  // messages are worth. Once the budget refuses, the worker's messages are not even built for a while.
  const relayBudget = new MessageBudget(relayedMessagesPerSecond);
  let toRelay: ProtocolMessage[] = [];
  let relayTimer: NodeJS.Timeout | undefined;
  let isBudgetSpentUntil = 0;
  const flushRelay = (): void => {
    clearTimeout(relayTimer);
    relayTimer = undefined;
    if (toRelay.length === 0) return;
    announce({ event: 'trace:messages', payload: { messages: toRelay } }, 'everywhere');
    toRelay = [];
  };
  const relayTrace = (build: () => ProtocolMessage[]): void => {
    const now = Date.now();
    if (now < isBudgetSpentUntil) return;
    const messages = build();
    if (messages.length === 0) return;
    if (!relayBudget.allow(now, messages.length)) {
      isBudgetSpentUntil = now + relayFlushMs;
      return;
    }
    toRelay.push(...messages);
    relayTimer ??= setTimeout(flushRelay, relayFlushMs);
  };
  let subscriber: Redis | undefined;
  let isClosed = false;
  const subscribe = async (): Promise<void> => {
    while (!isClosed && !subscriber) {
      try {
        const client = await node.blockingClient();
        client.on('message', (_channel: string, text: string) => {
          const event = parseRelayedEvent(text);
          if (event) relayed(event);
          else
            service.logger.warn(
              { text: text.slice(0, 200) },
              'ignored a foreign message on the events channel',
            );
        });
        await client.subscribe(keys.events);
        if (isClosed) client.disconnect();
        else subscriber = client;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  void subscribe();
  const poll = setInterval(() => {
    if (live.namespace.sockets.size === 0) return;
    readLiveState(store, liveSettings).then(
      (state) => live.emit('streams:state', state),
      () => undefined,
    );
  }, settings.LIVE_POLL_MS);
  poll.unref();

  const history = new History<LineInput, LineOutput>();
  const streams = new LineStreamsService(store, settings, history, announce, recordMessages);
  traceRef.log = mountCheck(service, { history, check: (operations) => streams.check(operations) }).trace;

  if (settings.ROLE === 'worker') {
    worker = new DeliveryWorker({
      store,
      group: settings.DELIVERY_GROUP,
      consumer: settings.SERVICE_NAME,
      readCount: settings.READ_COUNT,
      readBlockMs: settings.READ_BLOCK_MS,
      readLingerMs: settings.READ_LINGER_MS,
      claimMinIdleMs: settings.CLAIM_MIN_IDLE_MS,
      claimIntervalMs: settings.CLAIM_INTERVAL_MS,
      maxDeliveries: settings.MAX_DELIVERIES,
      inboxMaxLen: settings.INBOX_MAX_LEN,
      deadLetterMaxLen: settings.DEAD_LETTER_MAX_LEN,
      logger: service.logger,
      isPoison: (entry) => faultState.poison !== undefined && entry.text.includes(faultState.poison),
      publish: (event) => announce(event, 'everywhere'),
      trace: relayTrace,
      onCrash: () => {
        // Said before exiting (after the effects it traced), so the other instances' traces show the crash as a fault.
        flushRelay();
        const told = store
          .publish({ event: 'worker:crashed', payload: { consumer: settings.SERVICE_NAME } })
          .catch(() => undefined);
        if (deps.onCrash) deps.onCrash();
        else void Promise.race([told, sleep(500)]).finally(() => process.exit(1));
      },
    });
    worker.start();
  }

  const stats = async () => ({
    instance: settings.SERVICE_NAME,
    role: settings.ROLE,
    rooms: (await store.rooms.names()).length,
    deadLetters: await store.deadLetters.count(),
    counters: await store.counters.all(),
    worker: worker ? { ...worker.stats, held: worker.heldCount } : null,
    settings: {
      group: settings.DELIVERY_GROUP,
      roomMaxLen: settings.ROOM_MAX_LEN,
      roomMaxAgeMs: settings.ROOM_MAX_AGE_MS,
      deadLetterMaxLen: settings.DEAD_LETTER_MAX_LEN,
      replaysMaxLen: settings.REPLAYS_MAX_LEN,
      maxTextBytes: settings.MAX_TEXT_BYTES,
      dedupTtlMs: settings.DEDUP_TTL_MS,
      rateLimit: settings.RATE_LIMIT,
      rateWindowMs: settings.RATE_WINDOW_MS,
      maxDeliveries: settings.MAX_DELIVERIES,
      claimMinIdleMs: settings.CLAIM_MIN_IDLE_MS,
      inboxMaxLen: settings.INBOX_MAX_LEN,
      readCount: settings.READ_COUNT,
      readLingerMs: settings.READ_LINGER_MS,
    },
  });
  mountRoutes(service, streams, stats);

  service.onClose(async () => {
    isClosed = true;
    clearInterval(poll);
    clearTimeout(relayTimer);
    await worker?.stop();
    subscriber?.disconnect();
    await node.close();
  });
  return { service, worker, store };
}

import type { BackpressurePolicy } from '../domain/outbox.ts';
import { acknowledge } from '../realtime/events.ts';
import type { RawSocket } from './lab-requests.ts';
import { api, publishBurst, rawSocket, until } from './lab-requests.ts';
import { MailboxClient } from './mailbox-client.ts';

// The README's lab exercises as code: each runs against a running lab and answers what it saw.

export interface PolicyOutcome {
  readonly policy: BackpressurePolicy;
  /** Fast clients (on both instances) that received every mail, of all fast clients. */
  readonly fastComplete: string;
  /** Pushes the stalled client had received while stalled. */
  readonly slowReceivedWhileStalled: number;
  /** The stalled socket's queue depth and drops at the end of the burst. */
  readonly slowQueueDepth: number;
  readonly slowDropped: number;
  readonly slowDisconnected: boolean;
  /** What the client library handed the app once the slow client read again (disconnect: after it reconnected). */
  readonly slowHandedAfterResume: number;
}

/**
 * Exercise 4: the same burst against each backpressure policy. Three fast
 * clients (two on instance b, one on a) and one stalled client on b, all for one user.
 */
export async function comparePolicies(options: {
  a: string;
  b: string;
  total?: number;
  perSecond?: number;
  policies?: readonly BackpressurePolicy[];
}): Promise<PolicyOutcome[]> {
  const total = options.total ?? 200;
  const outcomes: PolicyOutcome[] = [];
  const run = Date.now().toString(36);
  const original = (await api(options.b, 'GET', '/backpressure')) as { policy: BackpressurePolicy };
  for (const policy of options.policies ?? (['drop-oldest', 'coalesce', 'disconnect'] as const)) {
    const userId = `policy-${policy}-${run}`;
    for (const url of [options.a, options.b]) await api(url, 'PUT', '/backpressure', { policy });
    const fast = [options.a, options.b, options.b].map((url) => new MailboxClient({ url, userId }));
    const slow = new MailboxClient({ url: options.b, userId, reconnection: true });
    try {
      for (const client of [...fast, slow]) await client.connect();
      slow.pause();
      let disconnected = false;
      slow.socket.on('disconnect', (reason) => {
        if (reason === 'io server disconnect') disconnected = true;
      });
      await publishBurst(options.a, userId, total, options.perSecond ?? 500);
      await until(() => fast.every((client) => client.handed.length === total), 20_000);
      const slowId = slow.socket.id;
      const presence = (await api(options.b, 'GET', '/subscribers')) as {
        instance: { clients: { socketId: string; queueDepth: number; dropped: number }[] };
      };
      const seen = presence.instance.clients.find((client) => client.socketId === slowId);
      const receivedWhileStalled = slow.counts.pushes;
      slow.resume();
      if (!slow.socket.connected) slow.socket.connect();
      await until(() => slow.handed.length === total, 20_000);
      outcomes.push({
        policy,
        fastComplete: `${fast.filter((client) => client.handed.length === total).length}/${fast.length}`,
        slowReceivedWhileStalled: receivedWhileStalled,
        slowQueueDepth: seen?.queueDepth ?? 0,
        slowDropped: seen?.dropped ?? 0,
        slowDisconnected: disconnected,
        slowHandedAfterResume: slow.handed.length,
      });
    } finally {
      for (const client of [...fast, slow]) client.disconnect();
    }
  }
  // Leave the lab as it was found.
  for (const url of [options.a, options.b])
    await api(url, 'PUT', '/backpressure', { policy: original.policy });
  return outcomes;
}

export interface FilterOutcome {
  readonly subscriber: 'filtered on the server' | 'everything, filtered in the client';
  readonly pushes: number;
  readonly bytesPushed: number;
  /** bytesPushed as a share of what sending everything cost: exercise 5's target is 8-12 % for the filtered one. */
  readonly bytesVsEverything: string;
  readonly wanted: number;
}

/**
 * Exercise 5: one subscriber asks the server to filter (`from: boss@example.com`),
 * the other takes the whole `work` topic and filters itself. Bytes are the JSON of each push.
 */
export async function compareFilters(options: {
  a: string;
  b: string;
  total?: number;
  fromBossEvery?: number;
}): Promise<FilterOutcome[]> {
  const total = options.total ?? 100;
  const every = options.fromBossEvery ?? 10;
  const topic = `work-${Date.now().toString(36)}`;
  const filtered = await rawSocket(options.b, 'filter-demo');
  const everything = await rawSocket(options.b, 'filter-demo');
  const tally = (socket: RawSocket) => {
    const seen = { pushes: 0, bytes: 0, wanted: 0 };
    socket.on('mail:received', (mail, ack) => {
      seen.pushes += 1;
      seen.bytes += Buffer.byteLength(JSON.stringify(mail));
      if (mail.from === 'boss@example.com') seen.wanted += 1;
      acknowledge(ack);
    });
    return seen;
  };
  const filteredSeen = tally(filtered);
  const everythingSeen = tally(everything);
  try {
    await filtered.emitWithAck('topics:subscribe', { topic, filter: { from: 'boss@example.com' } });
    await everything.emitWithAck('topics:subscribe', { topic });
    for (let i = 1; i <= total; i += 1) {
      const from = i % every === 0 ? 'boss@example.com' : `colleague${i}@example.com`;
      await api(options.a, 'POST', '/users/filter-demo-sender/messages', {
        from,
        subject: `update ${i}`,
        labels: [topic],
      });
    }
    await until(
      () => everythingSeen.pushes === total && filteredSeen.pushes === Math.floor(total / every),
      10_000,
    );
  } finally {
    filtered.disconnect();
    everything.disconnect();
  }
  const share = (bytes: number) =>
    `${everythingSeen.bytes === 0 ? '0.0' : ((100 * bytes) / everythingSeen.bytes).toFixed(1)} %`;
  return [
    {
      subscriber: 'filtered on the server',
      pushes: filteredSeen.pushes,
      bytesPushed: filteredSeen.bytes,
      bytesVsEverything: share(filteredSeen.bytes),
      wanted: filteredSeen.wanted,
    },
    {
      subscriber: 'everything, filtered in the client',
      pushes: everythingSeen.pushes,
      bytesPushed: everythingSeen.bytes,
      bytesVsEverything: share(everythingSeen.bytes),
      wanted: everythingSeen.wanted,
    },
  ];
}

export interface RecoveryOutcome {
  readonly reconnect: 'within the recovery window' | 'beyond the recovery window';
  /** socket.io restored the session (socketio-adapter engine only). */
  readonly sessionRecovered: boolean;
  /** Missed mails that came back as pushes on reconnect: socket.io replaying its stream. */
  readonly replayedBySocketIo: number;
  /** Missed mails the client read from history itself (history:sync, or a full sync). */
  readonly fromHistory: number;
  readonly duplicates: number;
  /** Missed mails the app got in the end, of those published while away. */
  readonly handedToApp: string;
}

/**
 * The engine comparison: a client loses its connection (as a network failure
 * would), `total` mails are published, and it comes back at once, then once
 * `windowPassed` resolves (by default after `beyondWindowMs`, longer than the lab's
 * RECOVERY_MAX_DISCONNECTION_MS; a test that can see Redis waits for the saved
 * session to expire instead). On the pubsub engine history brings everything back
 * both times; on the socketio-adapter engine socket.io replays it within the window,
 * history beyond it.
 */
export async function compareRecovery(options: {
  a: string;
  b: string;
  total?: number;
  /**
   * Resolves once a reconnection can no longer be recovered: the dropped socket's saved
   * session (named by its recovery session id, undefined when the engine offers none) is gone.
   */
  windowPassed: (recoverySessionId: string | undefined) => Promise<void>;
}): Promise<RecoveryOutcome[]> {
  const total = options.total ?? 100;
  const run = Date.now().toString(36);
  const outcomes: RecoveryOutcome[] = [];
  for (const reconnect of ['within the recovery window', 'beyond the recovery window'] as const) {
    const userId = `recovery-${reconnect.startsWith('within') ? 'within' : 'beyond'}-${run}`;
    const client = new MailboxClient({ url: options.b, userId });
    try {
      await client.connect();
      await api(options.a, 'POST', `/users/${userId}/messages`, {
        from: 'bob@example.com',
        subject: 'before',
        labels: [],
      });
      if (!(await until(() => client.handed.length === 1, 10_000)))
        throw new Error('the first mail never arrived');
      const session = client.recoverySessionId;
      client.dropConnection();
      if (!(await until(() => !client.socket.connected, 5_000)))
        throw new Error('the connection did not drop');
      await publishBurst(options.a, userId, total, 500);
      if (reconnect.startsWith('beyond')) await options.windowPassed(session);
      await client.connect();
      await until(() => client.handed.length >= total + 1, 20_000);
      await client.settled();
      const missed = client.handed.slice(1);
      outcomes.push({
        reconnect,
        sessionRecovered: client.counts.recovered > 0,
        replayedBySocketIo: client.counts.recovered > 0 ? missed.filter((m) => m.via === 'push').length : 0,
        fromHistory: missed.filter((m) => m.via !== 'push').length,
        duplicates: client.counts.duplicates,
        handedToApp: `${missed.length}/${total}`,
      });
    } finally {
      client.disconnect();
    }
  }
  return outcomes;
}

export interface StallMoment {
  readonly moment: 'stalled' | 'reading again';
  readonly inFlight: number | null;
  readonly queueDepth: number;
  readonly dropped: number | null;
  readonly cursor: number | null;
  readonly latest: number | null;
  readonly lastCatchUp: string;
}

interface PresenceClient {
  socketId: string;
  inFlight: number | null;
  queueDepth: number;
  dropped: number | null;
  position: {
    cursor: number | null;
    latest: number | null;
    lastCatchUp: { kind: string; fromHistoryId: number; toHistoryId: number } | null;
  };
}

/** Reads /subscribers until `isDone` holds (or 10 s pass) and answers the last reading. */
async function settle(
  seen: (moment: StallMoment['moment']) => Promise<StallMoment>,
  moment: StallMoment['moment'],
  isDone: (m: StallMoment) => boolean,
): Promise<StallMoment> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const reading = await seen(moment);
    if (isDone(reading) || Date.now() > deadline) return reading;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * For the live view: one client on pubsub-b stops reading while `total` mails arrive through
 * pubsub-a, stays stalled `holdMs` (look at the page meanwhile), then reads again and catches up.
 * Answers what /subscribers said of it at both moments.
 */
export async function stallClient(options: {
  a: string;
  b: string;
  total?: number;
  holdMs?: number;
  onStalled?: (userId: string) => void;
}): Promise<StallMoment[]> {
  const total = options.total ?? 100;
  const userId = `slowpoke-${Date.now().toString(36)}`;
  const slow = new MailboxClient({ url: options.b, userId });
  const seen = async (moment: StallMoment['moment']): Promise<StallMoment> => {
    const presence = (await api(options.b, 'GET', '/subscribers')) as {
      instance: { clients: PresenceClient[] };
    };
    const client = presence.instance.clients.find((c) => c.socketId === slow.socket.id);
    const catchUp = client?.position.lastCatchUp;
    return {
      moment,
      inFlight: client?.inFlight ?? null,
      queueDepth: client?.queueDepth ?? 0,
      dropped: client?.dropped ?? null,
      cursor: client?.position.cursor ?? null,
      latest: client?.position.latest ?? null,
      lastCatchUp: catchUp ? `${catchUp.kind} #${catchUp.fromHistoryId} → #${catchUp.toHistoryId}` : '',
    };
  };
  try {
    await slow.connect();
    slow.pause();
    await publishBurst(options.a, userId, total, 200);
    // Every mail has reached pubsub-b's outbox once the window, the queue and the drops account for all of them.
    const stalled = await settle(
      seen,
      'stalled',
      (m) => (m.inFlight ?? 0) + m.queueDepth + (m.dropped ?? 0) >= total,
    );
    options.onStalled?.(userId);
    await new Promise((resolve) => setTimeout(resolve, options.holdMs ?? 0));
    slow.resume();
    await until(() => slow.handed.length === total, 20_000);
    await slow.settled();
    return [stalled, await settle(seen, 'reading again', (m) => m.queueDepth === 0 && m.inFlight === 0)];
  } finally {
    slow.disconnect();
  }
}

import { acknowledge } from '../src/realtime/events.ts';
import { stopAllRedis } from '@kvs-lab/shared/testing';
import { io } from 'socket.io-client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishBurst } from '../src/client/lab-requests.ts';
import { MailboxClient } from '../src/client/mailbox-client.ts';
import type { MailReceived } from '../src/realtime/events.ts';
import { range } from './support/mail.ts';
import type { RecordingClient, TestSocket } from './support/gmail-pubsub-lab.ts';
import { connectRecorder, startPubsubLab, subscribeTo, waitFor } from './support/gmail-pubsub-lab.ts';

const window = 8;
// Roomy enough that a fast client never fills it during a stall of a loaded test machine (~250 ms at 500/s).
const capacity = 128;

/** A client that reads pushes off the wire but never acknowledges them: an app that stopped reading. */
interface StalledClient {
  readonly socket: TestSocket;
  readonly mail: MailReceived[];
  readonly dropReports: number[];
  readonly disconnects: string[];
  /** Acknowledges everything held and from now on every push at once. */
  resume(): void;
}

async function stalledClient(url: string, userId: string): Promise<StalledClient> {
  const socket: TestSocket = io(`${url}/notifications`, {
    auth: { userId },
    transports: ['websocket'],
    reconnection: false,
  });
  let held: (() => void)[] = [];
  let isPaused = true;
  const client: StalledClient = {
    socket,
    mail: [],
    dropReports: [],
    disconnects: [],
    resume: () => {
      isPaused = false;
      for (const ack of held) ack();
      held = [];
    },
  };
  socket.on('mail:received', (mail, ack) => {
    client.mail.push(mail);
    if (isPaused) held.push(() => acknowledge(ack));
    else acknowledge(ack);
  });
  socket.on('backpressure:dropped', ({ count }) => client.dropReports.push(count));
  socket.on('disconnect', (reason) => client.disconnects.push(reason));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  expect(await subscribeTo(socket, 'mailbox')).toMatchObject({ ok: true });
  return client;
}

interface Stats {
  dropped: number;
  disconnectedSlow: number;
  slowClients: number;
  queued: number;
}

describe('backpressure: one slow client never holds up the others', () => {
  let lab: Awaited<ReturnType<typeof startPubsubLab>>;
  const sockets: { close(): void }[] = [];

  beforeAll(async () => {
    lab = await startPubsubLab({ OUTBOX_WINDOW: window, OUTBOX_CAPACITY: capacity });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await lab?.close();
    await stopAllRedis();
  });

  const stats = async (): Promise<Stats> => (await request(lab.b.service.server).get('/stats')).body as Stats;

  async function fastClients(userId: string): Promise<RecordingClient[]> {
    const fast = await Promise.all([
      connectRecorder(lab.a.url, userId),
      connectRecorder(lab.b.url, userId),
      connectRecorder(lab.b.url, userId),
    ]);
    for (const client of fast) {
      sockets.push(client);
      expect(await subscribeTo(client.socket, 'mailbox')).toMatchObject({ ok: true });
    }
    return fast;
  }

  it('when a client stops reading while 500 mails flow at up to 500/s (drop-oldest), then its queue stays bounded, drops are counted and reported, and fast clients get everything', async () => {
    await request(lab.b.service.server).put('/backpressure').send({ policy: 'drop-oldest' }).expect(200);
    const fast = await fastClients('pat');
    const slow = await stalledClient(lab.b.url, 'pat');
    sockets.push({ close: () => slow.socket.disconnect() });
    const before = await stats();

    await publishBurst(lab.a.url, 'pat', 500, 500);
    await waitFor(
      () => fast.every((client) => client.mail.length === 500),
      'every fast client to get all 500',
    );
    for (const client of fast) expect(client.mail.map((m) => m.historyId)).toEqual(range(1, 500));

    // The stalled client has exactly its window in hand, its queue is full, and the rest was dropped.
    expect(slow.mail.map((m) => m.historyId)).toEqual(range(1, window));
    const during = await stats();
    expect(during.slowClients).toBe(1);
    expect(during.queued).toBe(capacity);
    expect(during.dropped - before.dropped).toBe(500 - window - capacity);
    const subscribers = await request(lab.b.service.server).get('/subscribers').expect(200);
    const seen = (
      subscribers.body.instance.clients as {
        socketId: string;
        queueDepth: number;
        inFlight: number;
        dropped: number;
      }[]
    ).find((c) => c.socketId === slow.socket.id);
    expect(seen).toMatchObject({ queueDepth: capacity, inFlight: window, dropped: 500 - window - capacity });

    // Reading again: first the drop report, then the newest queued mail.
    slow.resume();
    await waitFor(() => slow.mail.length === window + capacity, 'the queued mail after resuming');
    expect(slow.dropReports).toEqual([500 - window - capacity]);
    expect(slow.mail.slice(window).map((m) => m.historyId)).toEqual(range(500 - capacity + 1, 500));
    expect((await stats()).queued).toBe(0);
  });

  it('when the policy is coalesce, then a slow mailbox keeps only its newest hint and the client library syncs the rest from history', async () => {
    await request(lab.b.service.server).put('/backpressure').send({ policy: 'coalesce' }).expect(200);
    // Under coalesce any client that falls behind for a moment skips hints, so every client here uses the library.
    const fast = [
      new MailboxClient({ url: lab.a.url, userId: 'quinn' }),
      new MailboxClient({ url: lab.b.url, userId: 'quinn' }),
    ];
    const slow = new MailboxClient({ url: lab.b.url, userId: 'quinn' });
    for (const client of [...fast, slow]) {
      sockets.push({ close: () => client.disconnect() });
      await client.connect();
    }
    slow.pause();

    await publishBurst(lab.a.url, 'quinn', 300, 500);
    await waitFor(
      () => fast.every((client) => client.handed.length === 300),
      'every fast client to get all 300',
    );
    const slowSeen = async () =>
      (
        (await request(lab.b.service.server).get('/subscribers')).body.instance.clients as {
          socketId: string;
          queueDepth: number;
          dropped: number;
        }[]
      ).find((c) => c.socketId === slow.socket.id);
    await waitFor(
      async () => (await slowSeen())?.dropped === 300 - window - 1,
      'coalescing to one queued hint',
    );
    expect(await slowSeen()).toMatchObject({ queueDepth: 1, inFlight: window });

    slow.resume();
    await waitFor(() => slow.handed.length === 300, 'the slow client to catch up');
    for (const client of [...fast, slow]) {
      await client.settled();
      expect(client.handed.map((m) => m.historyId)).toEqual(range(1, 300));
    }
    expect(slow.counts.syncs).toBeGreaterThanOrEqual(1);
    const check = await request(lab.b.service.server).get('/check').expect(200);
    expect(check.body).toMatchObject({ valid: true });
  });

  it('when the policy is disconnect, then the slow client is cut off once its queue is full while the others carry on', async () => {
    await request(lab.b.service.server).put('/backpressure').send({ policy: 'disconnect' }).expect(200);
    const fast = await fastClients('ruth');
    const slow = await stalledClient(lab.b.url, 'ruth');
    const before = await stats();

    await publishBurst(lab.a.url, 'ruth', 200, 500);
    await waitFor(
      () => fast.every((client) => client.mail.length === 200),
      'every fast client to get all 200',
    );
    await waitFor(() => slow.disconnects.length === 1, 'the slow client to be disconnected');
    expect(slow.disconnects).toEqual(['io server disconnect']);
    expect((await stats()).disconnectedSlow - before.disconnectedSlow).toBe(1);
    await request(lab.b.service.server).put('/backpressure').send({ policy: 'drop-oldest' }).expect(200);
  });

  it('when two stalled clients at different places in their queues resume together, then each gets its pushes once, in order, with nothing dropped', async () => {
    await request(lab.b.service.server).put('/backpressure').send({ policy: 'drop-oldest' }).expect(200);
    const publish = async (count: number) => {
      for (let i = 0; i < count; i += 1) {
        await request(lab.b.service.server)
          .post('/users/rosa/messages')
          .send({ from: 'bob@example.com', subject: 'queued', labels: [] })
          .expect(201);
      }
    };
    const early = await stalledClient(lab.b.url, 'rosa');
    sockets.push({ close: () => early.socket.disconnect() });
    await publish(5);
    const late = await stalledClient(lab.b.url, 'rosa');
    sockets.push({ close: () => late.socket.disconnect() });
    await publish(35);
    await waitFor(() => early.mail.length === window && late.mail.length === window, 'both windows full');
    // The late client's queue is further on: its acks let out newer pushes than the early one's, in the same
    // turn of the event loop when they arrive together, and both must still come out oldest first.
    late.resume();
    early.resume();
    await waitFor(() => early.mail.length === 40 && late.mail.length === 35, 'both queues drained');
    // The mailbox may hold earlier tests' mail: ids count from the first one this test published.
    const base = (early.mail[0]?.historyId ?? 1) - 1;
    expect(early.mail.map((m) => m.historyId - base)).toEqual(range(1, 40));
    expect(late.mail.map((m) => m.historyId - base)).toEqual(range(6, 40));
    expect([...early.dropReports, ...late.dropReports]).toEqual([]);
    const check = await request(lab.b.service.server).get('/check').expect(200);
    expect(check.body).toMatchObject({ valid: true });
  });
});

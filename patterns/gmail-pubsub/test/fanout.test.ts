import { stopAllRedis } from '@kvs-lab/shared/testing';
import { io } from 'socket.io-client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingClient, TestSocket } from './support/gmail-pubsub-lab.ts';
import { connectRecorder, startPubsubLab, subscribeTo, waitFor } from './support/gmail-pubsub-lab.ts';

describe('fan-out through Redis to sockets on both instances', () => {
  let lab: Awaited<ReturnType<typeof startPubsubLab>>;
  const clients: RecordingClient[] = [];

  beforeAll(async () => {
    lab = await startPubsubLab();
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await lab?.close();
    await stopAllRedis();
  });

  async function client(url: string, userId: string): Promise<RecordingClient> {
    const connected = await connectRecorder(url, userId);
    clients.push(connected);
    return connected;
  }

  it('when mail is published through pubsub-a, then a client on pubsub-b gets every notification once, in publish order', async () => {
    const onB = await client(lab.b.url, 'alice');
    const onA = await client(lab.a.url, 'alice');
    expect(await subscribeTo(onB.socket, 'mailbox')).toMatchObject({ ok: true });
    expect(await subscribeTo(onA.socket, 'mailbox')).toMatchObject({ ok: true });
    const published: number[] = [];
    for (let i = 1; i <= 50; i += 1) {
      const res = await request(lab.a.service.server)
        .post('/users/alice/messages')
        .send({ from: 'bob@example.com', subject: `mail ${i}`, labels: [] });
      expect(res.status).toBe(201);
      published.push(res.body.historyId as number);
    }
    await waitFor(() => onB.mail.length >= 50 && onA.mail.length >= 50, '50 mails on both instances');
    expect(published).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    for (const recorder of [onA, onB]) {
      expect(recorder.mail.map((m) => m.historyId)).toEqual(published);
      expect(recorder.mail.every((m) => m.topic === 'mailbox' && m.userId === 'alice')).toBe(true);
    }
    expect(onB.mail[0]).toMatchObject({ from: 'bob@example.com', subject: 'mail 1', labels: [] });
  });

  it('when a client subscribes with topics and filters, then it gets only the mail they admit, and no one else gets it', async () => {
    const carol = await client(lab.b.url, 'carol');
    const dave = await client(lab.b.url, 'dave');
    expect(await subscribeTo(carol.socket, 'mailbox', { from: 'boss@example.com' })).toMatchObject({
      ok: true,
    });
    expect(await subscribeTo(carol.socket, 'work', { subjectContains: 'urgent' })).toMatchObject({
      ok: true,
    });
    const send = (userId: string, mail: { from: string; subject: string; labels: string[] }) =>
      request(lab.a.service.server).post(`/users/${userId}/messages`).send(mail).expect(201);
    await send('carol', { from: 'spam@example.com', subject: 'buy now', labels: [] }); // filtered out of carol's mailbox
    await send('carol', { from: 'boss@example.com', subject: 'hello', labels: [] }); // mailbox: yes
    await send('erin', { from: 'boss@example.com', subject: 'not urgent at all?', labels: ['work'] }); // work topic: yes ("urgent")
    await send('erin', { from: 'boss@example.com', subject: 'plain', labels: ['work'] }); // work topic: filtered out
    await send('erin', { from: 'boss@example.com', subject: 'urgent', labels: ['home'] }); // no topic of carol's
    await send('carol', { from: 'BOSS@example.com', subject: 'URGENT last', labels: ['work'] }); // both: the sentinel
    await waitFor(
      () => carol.mail.some((m) => m.subject === 'URGENT last' && m.topic === 'work'),
      "carol's sentinel on work",
    );
    await waitFor(
      () => carol.mail.some((m) => m.subject === 'URGENT last' && m.topic === 'mailbox'),
      "carol's sentinel on mailbox",
    );
    expect(carol.mail.map((m) => `${m.topic}:${m.userId}:${m.subject}`)).toEqual([
      'mailbox:carol:hello',
      'work:erin:not urgent at all?',
      'mailbox:carol:URGENT last',
      'work:carol:URGENT last',
    ]);
    // dave subscribed to nothing and got nothing.
    expect(dave.mail).toEqual([]);
    const stats = await request(lab.b.service.server).get('/stats').expect(200);
    expect(stats.body.filteredOut).toBeGreaterThanOrEqual(2);
  });

  it('when a post is published on a shared topic, then subscribers on both instances get it and the answer counts the local ones', async () => {
    const onA = await client(lab.a.url, 'frank');
    const onB = await client(lab.b.url, 'grace');
    await subscribeTo(onA.socket, 'deploys');
    await subscribeTo(onB.socket, 'deploys');
    const res = await request(lab.a.service.server)
      .post('/topics/deploys/publish')
      .send({ payload: { subject: 'v2 is out', n: 1 } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      topic: 'deploys',
      publisher: 'pubsub-a',
      seq: 1,
      instancesReached: 2,
      localSockets: 1,
    });
    await waitFor(() => onB.posts.length === 1 && onA.posts.length === 1, 'the post on both instances');
    // Through b: b counts its own socket only; a's is a's to count.
    const viaB = await request(lab.b.service.server)
      .post('/topics/deploys/publish')
      .send({ payload: { n: 2 } });
    expect(viaB.body).toMatchObject({ publisher: 'pubsub-b', seq: 1, instancesReached: 2, localSockets: 1 });
    // A topic only a's socket listens to: b holds no subscription, so it answers at once with 0 local sockets.
    await subscribeTo(onA.socket, 'alerts');
    const noLocal = await request(lab.b.service.server)
      .post('/topics/alerts/publish')
      .send({ payload: { n: 3 } });
    expect(noLocal.body).toMatchObject({ instancesReached: 1, localSockets: 0 });
    await waitFor(() => onA.posts.some((p) => p.topic === 'alerts'), 'the alert on a');
    expect(onB.posts[0]).toMatchObject({
      topic: 'deploys',
      publisher: 'pubsub-a',
      seq: 1,
      payload: { subject: 'v2 is out', n: 1 },
    });
  });

  it("when one mail reaches several sockets of an instance, then it is encoded once: the same packet, one ack id, and each socket's ack frees its own window", async () => {
    const readers = [
      await client(lab.a.url, 'erin'),
      await client(lab.a.url, 'erin'),
      await client(lab.a.url, 'erin'),
    ];
    // What each socket's engine.io connection carried, as text: `2/notifications,<ack id>["mail:received",...]`.
    const frames: string[][] = readers.map(() => []);
    readers.forEach((reader, i) =>
      reader.socket.io.engine.on('packet', (packet) => {
        if (typeof packet.data === 'string' && packet.data.includes('"mail:received"'))
          frames[i]?.push(packet.data);
      }),
    );
    for (const reader of readers)
      expect(await subscribeTo(reader.socket, 'mailbox')).toMatchObject({ ok: true });
    await request(lab.a.service.server)
      .post('/users/erin/messages')
      .send({ from: 'bob@example.com', subject: 'one packet', labels: [] })
      .expect(201);
    await waitFor(() => readers.every((reader) => reader.mail.length === 1), 'the mail on all three sockets');
    const [first, ...others] = frames.map((carried) => carried[0]);
    expect(first).toMatch(/^2\/notifications,\d+\["mail:received",/);
    for (const other of others) expect(other).toBe(first);
    const ids = new Set(readers.map((reader) => reader.socket.id));
    await waitFor(
      () =>
        lab.a.pubsub
          .clients()
          .filter((c) => ids.has(c.socketId))
          .every((c) => c.inFlight === 0),
      'every socket acknowledged its push',
    );
  });

  // push-sender.ts tells which socket answered a shared push from socket.io calling the acknowledgement with that
  // socket as `this` (Socket#onack, not documented): if socket.io changed it, acks would free no window, or another's.
  it('when sockets share a push and only some acknowledge, then each acknowledgement frees the window of the socket that sent it, and only that one', async () => {
    const readers = [await client(lab.a.url, 'fay'), await client(lab.a.url, 'fay')];
    const holder: TestSocket = io(`${lab.a.url}/notifications`, {
      auth: { userId: 'fay' },
      transports: ['websocket'],
      reconnection: false,
    });
    const held: { historyId: number; ack: () => void }[] = [];
    holder.on('mail:received', (mail, ack) => {
      if (typeof ack === 'function') held.push({ historyId: mail.historyId, ack });
    });
    try {
      await new Promise<void>((resolve) => holder.once('connect', () => resolve()));
      // The holder first: a fan-out in subscription order puts it first among the sockets a push waits for.
      for (const socket of [holder, ...readers.map((reader) => reader.socket)])
        expect(await subscribeTo(socket, 'mailbox')).toMatchObject({ ok: true });
      await publishFay(3);
      await waitFor(
        () => held.length === 3 && readers.every((reader) => reader.mail.length === 3),
        '3 mails on the 3 sockets',
      );
      const inFlight = () => new Map(lab.a.pubsub.clients().map((view) => [view.socketId, view.inFlight]));
      await waitFor(
        () => readers.every((reader) => inFlight().get(reader.socket.id ?? '') === 0),
        'the readers acknowledged',
      );
      expect(inFlight().get(holder.id ?? '')).toBe(3);
      // Its acks, one at a time and out of order: each frees exactly one push of its own window.
      held[1]?.ack();
      await waitFor(() => inFlight().get(holder.id ?? '') === 2, 'one push acknowledged by the holder');
      held[0]?.ack();
      held[2]?.ack();
      await waitFor(() => inFlight().get(holder.id ?? '') === 0, 'every push acknowledged by the holder');
      expect(readers.map((reader) => inFlight().get(reader.socket.id ?? ''))).toEqual([0, 0]);
    } finally {
      holder.disconnect();
    }

    async function publishFay(count: number): Promise<void> {
      for (let i = 0; i < count; i += 1) {
        await request(lab.a.service.server)
          .post('/users/fay/messages')
          .send({ from: 'bob@example.com', subject: `shared ${i}`, labels: [] })
          .expect(201);
      }
    }
  });

  it('when sockets are connected to both instances, then /subscribers and /topics show them cluster-wide', async () => {
    await waitFor(async () => {
      const res = await request(lab.a.service.server).get('/subscribers');
      return res.body.cluster.instances.length === 2 && res.body.cluster.sockets === clients.length;
    }, 'presence of both instances with every socket');
    const subscribers = await request(lab.a.service.server).get('/subscribers').expect(200);
    expect(subscribers.body.cluster.sockets).toBe(clients.length);
    expect(subscribers.body.instance.instance).toBe('pubsub-a');
    // Presence is refreshed every 200 ms here: wait until B's report includes its subscription to deploys.
    await waitFor(
      async () => (await request(lab.b.service.server).get('/topics')).body.cluster.deploys === 2,
      'topic presence',
    );
    const topics = await request(lab.b.service.server).get('/topics').expect(200);
    expect(topics.body.cluster.deploys).toBe(2);
    expect(topics.body.local.deploys).toBe(1);
    expect(topics.body.redisChannels).toContain('lab:gmail-pubsub:channel:topic:deploys');
  });

  it('after all of the above, /check on each instance finds every delivery in scope, once, in order', async () => {
    for (const instance of [lab.a, lab.b]) {
      const res = await request(instance.service.server).get('/check').expect(200);
      expect(res.body).toMatchObject({ valid: true });
      expect(res.body.details.deliveries).toBeGreaterThan(0);
    }
  });
});

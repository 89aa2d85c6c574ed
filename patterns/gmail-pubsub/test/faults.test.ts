import { sendRedisCommand, stopAllRedis } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxClient } from '../src/client/mailbox-client.ts';
import { publishMails, range } from './support/mail.ts';
import type { RunningInstance } from './support/gmail-pubsub-lab.ts';
import { startPubsubLab, waitFor } from './support/gmail-pubsub-lab.ts';

describe('faults: the subscriber connection and Redis itself', () => {
  let lab: Awaited<ReturnType<typeof startPubsubLab>>;

  beforeAll(async () => {
    // Append-only, as the topology runs it: a restarted Redis keeps the history.
    lab = await startPubsubLab({}, { appendOnly: true });
  });

  afterAll(async () => {
    await lab?.close();
    await stopAllRedis();
  });

  async function connected(url: string, userId: string): Promise<MailboxClient> {
    const client = lab.mailboxClient(url, userId);
    await client.connect();
    return client;
  }

  const stats = async (instance: RunningInstance) =>
    (await request(instance.service.server).get('/stats')).body as {
      subscriber: { resubscribes: number; lostWhileCut: number; lastOutageMs: number | null };
    };

  it('when every subscriber connection is killed (CLIENT KILL TYPE pubsub), then both instances resubscribe and clients sync what they missed', async () => {
    const onB = await connected(lab.b.url, 'mia');
    const onA = await connected(lab.a.url, 'mia');
    await publishMails(lab.a, 'mia', 2);
    await waitFor(() => onB.handed.length === 2 && onA.handed.length === 2, 'the first pushes');
    const before = {
      a: (await stats(lab.a)).subscriber.resubscribes,
      b: (await stats(lab.b)).subscriber.resubscribes,
    };

    await sendRedisCommand(lab.redis.port, ['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    // Published while the subscribers may be down: these pushes can be lost, history cannot.
    await publishMails(lab.a, 'mia', 5);
    await waitFor(
      async () =>
        (await stats(lab.a)).subscriber.resubscribes > before.a &&
        (await stats(lab.b)).subscriber.resubscribes > before.b,
      'both subscribers back',
      5_000,
    );
    // How long each instance was deaf is measured and shown (the bench and README give the figures).
    expect((await stats(lab.b)).subscriber.lastOutageMs).toEqual(expect.any(Number));
    await publishMails(lab.b, 'mia', 1);
    await waitFor(() => onB.handed.length === 8 && onA.handed.length === 8, 'all 8 mails on both clients');
    for (const client of [onA, onB]) {
      await client.settled();
      expect(client.handed.map((m) => m.historyId)).toEqual(range(1, 8));
      expect(client.counts.gapNotices).toBeGreaterThanOrEqual(1);
    }
    for (const instance of [lab.a, lab.b]) {
      const check = await request(instance.service.server).get('/check').expect(200);
      expect(check.body).toMatchObject({ valid: true });
    }
  });

  it("when the kill-subscriber fault hits pubsub-b, then only b's subscriber reconnects and its clients are told to sync", async () => {
    const before = {
      a: (await stats(lab.a)).subscriber.resubscribes,
      b: (await stats(lab.b)).subscriber.resubscribes,
    };
    const res = await request(lab.b.service.server).post('/chaos/faults/kill-subscriber').send({});
    expect(res.status).toBeLessThan(300);
    await waitFor(
      async () => (await stats(lab.b)).subscriber.resubscribes > before.b,
      "b's subscriber back",
      5_000,
    );
    expect((await stats(lab.a)).subscriber.resubscribes).toBe(before.a);
  });

  it('when Redis is killed, then publishing is 503 with nothing applied and /readyz is 503; after a restart both instances serve again and clients catch up', async () => {
    const client = await connected(lab.b.url, 'noah');
    await publishMails(lab.a, 'noah', 3);
    await waitFor(() => client.handed.length === 3, 'the first pushes');

    await lab.redis.kill();
    const refused = await request(lab.a.service.server)
      .post('/users/noah/messages')
      .send({ from: 'bob@example.com', subject: 'lost?', labels: [] });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'REDIS_UNAVAILABLE', outcome: 'not_applied' });
    expect((await request(lab.a.service.server).get('/users/noah/history?startHistoryId=0')).status).toBe(
      503,
    );
    expect((await request(lab.b.service.server).get('/readyz')).status).toBe(503);

    await lab.redis.restart();
    for (const instance of [lab.a, lab.b]) {
      await waitFor(
        async () => (await request(instance.service.server).get('/readyz')).status === 200,
        `${instance.service.instance} ready`,
      );
    }
    await publishMails(lab.a, 'noah', 2);
    await waitFor(() => client.handed.length === 5, 'mail after the restart');
    await client.settled();
    // The refused mail was never written: historyIds continue from 3 with no hole.
    expect(client.handed.map((m) => m.historyId)).toEqual(range(1, 5));
  });

  it('when Redis is paused (SIGSTOP), then publishing is 504 indeterminate, and after it resumes the mail turns out to be there', async () => {
    lab.redis.pause();
    let res: request.Response;
    try {
      res = await request(lab.a.service.server)
        .post('/users/pia/messages')
        .send({ from: 'bob@example.com', subject: 'maybe', labels: [] });
    } finally {
      lab.redis.resume();
    }
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ code: 'REDIS_TIMEOUT', outcome: 'indeterminate' });
    // The script was sent before the pause answered nothing: Redis runs it once it wakes up.
    await waitFor(
      async () =>
        (await request(lab.a.service.server).get('/users/pia/history?startHistoryId=0')).body.historyId === 1,
      'the indeterminate mail in history',
    );
  });

  it('when the /chaos link from pubsub-b to Redis is cut, then b loses the notifications meanwhile and, once healed, tells its clients to sync', async () => {
    const client = await connected(lab.b.url, 'olga');
    await publishMails(lab.a, 'olga', 1);
    await waitFor(() => client.handed.length === 1, 'the first push');
    await request(lab.b.service.server).put('/chaos/links/pubsub-redis').send({ mode: 'cut' }).expect(200);
    await publishMails(lab.a, 'olga', 4);
    await waitFor(
      async () => (await stats(lab.b)).subscriber.lostWhileCut >= 4,
      'b dropping what arrives while cut',
    );
    expect(client.handed.length).toBe(1);
    await request(lab.b.service.server)
      .delete('/chaos')
      .expect((res) => expect(res.status).toBeLessThan(300));
    await waitFor(() => client.handed.length === 5, 'the client catching up after the heal');
    expect(client.handed.map((m) => m.historyId)).toEqual(range(1, 5));
    expect(client.handed.slice(1).every((m) => m.via === 'sync')).toBe(true);
  });
});

import { stopAllRedis } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailboxClient } from '../src/client/mailbox-client.ts';
import { publishMails, range } from './support/mail.ts';
import type { RunningInstance } from './support/gmail-pubsub-lab.ts';
import { startInstance, startPubsubLab, waitFor } from './support/gmail-pubsub-lab.ts';

const historyIds = (events: unknown): number[] => (events as { historyId: number }[]).map((e) => e.historyId);

describe('catch-up by historyId', () => {
  let lab: Awaited<ReturnType<typeof startPubsubLab>>;
  let small: RunningInstance;
  let shortLived: RunningInstance;

  beforeAll(async () => {
    lab = await startPubsubLab();
    // Two more instances, one per cap, so a slow machine cannot trim by age what the count test counts on.
    small = await startInstance(lab.redis, 'pubsub-small', { HISTORY_MAX_COUNT: 5 });
    shortLived = await startInstance(lab.redis, 'pubsub-short-lived', { HISTORY_MAX_AGE_MS: 1_000 });
  });

  afterAll(async () => {
    await small?.service.close();
    await shortLived?.service.close();
    await lab?.close();
    await stopAllRedis();
  });

  const mailboxClient = (url: string, userId: string): MailboxClient => lab.mailboxClient(url, userId);

  it('when a client misses 100 mails while disconnected, then on reconnect it recovers all of them from history, once each, in order', async () => {
    const client = mailboxClient(lab.b.url, 'henry');
    await client.connect();
    await publishMails(lab.a, 'henry', 3);
    await waitFor(() => client.handed.length === 3, 'the first 3 pushes');
    client.disconnect();
    await publishMails(lab.a, 'henry', 100);
    await client.connect();
    await client.settled();
    await publishMails(lab.a, 'henry', 2);
    await waitFor(() => client.handed.length === 105, 'all 105 mails handed to the app');
    await client.settled();
    expect(client.handed.map((m) => m.historyId)).toEqual(range(1, 105));
    expect(client.handed.slice(3, 103).every((m) => m.via === 'sync')).toBe(true);
    expect(client.handed.slice(103).every((m) => m.via === 'push')).toBe(true);
    const check = await request(lab.b.service.server).get('/check').expect(200);
    expect(check.body.valid).toBe(true);
  });

  it('when history is read after a historyId, then it returns exactly the later events with their bodies', async () => {
    await request(lab.a.service.server)
      .post('/users/ivy/messages')
      .send({ from: 'bob@example.com', subject: 'with a body', body: 'see attached', labels: ['work'] })
      .expect(201);
    await publishMails(lab.a, 'ivy', 9);
    const res = await request(lab.b.service.server).get('/users/ivy/history?startHistoryId=0').expect(200);
    expect(res.body.historyId).toBe(10);
    expect(historyIds(res.body.events)).toEqual(range(1, 10));
    expect(res.body.events[0]).toMatchObject({ body: 'see attached', labels: ['work'], userId: 'ivy' });
    const page = await request(lab.b.service.server)
      .get('/users/ivy/history?startHistoryId=4&limit=3')
      .expect(200);
    expect(page.body).toMatchObject({ hasMore: true, historyId: 10 });
    expect(historyIds(page.body.events)).toEqual([5, 6, 7]);
  });

  it("when history is trimmed past a client's historyId, then incremental sync is 404 HISTORY_EXPIRED and the client's full sync hands the app every retained mail once, in order", async () => {
    const client = mailboxClient(lab.b.url, 'jack');
    await client.connect();
    await publishMails(lab.a, 'jack', 2);
    await waitFor(() => client.handed.length === 2, 'the first 2 pushes');
    client.disconnect();
    await publishMails(lab.a, 'jack', 8);
    const trimmed = await request(lab.a.service.server)
      .post('/users/jack/history/trim')
      .send({ keepLast: 3 })
      .expect(200);
    expect(trimmed.body).toEqual({ historyId: 10, trimmedThrough: 7, removed: 7 });
    const expired = await request(lab.a.service.server).get('/users/jack/history?startHistoryId=2');
    expect(expired.status).toBe(404);
    expect(expired.body).toMatchObject({
      code: 'HISTORY_EXPIRED',
      outcome: 'not_applied',
      historyId: 10,
      trimmedThrough: 7,
    });
    const stillThere = await request(lab.a.service.server)
      .get('/users/jack/history?startHistoryId=7')
      .expect(200);
    expect(historyIds(stillThere.body.events)).toEqual([8, 9, 10]);

    await client.connect();
    await client.settled();
    expect(client.counts.fullSyncs).toBe(1);
    expect(client.historyId).toBe(10);
    await publishMails(lab.a, 'jack', 1);
    await waitFor(() => client.handed.at(-1)?.historyId === 11, 'the next push after the full sync');
    await client.settled();
    // 3 to 7 were trimmed before the client came back: what the mailbox retained reached the app, nothing twice.
    expect(client.handed.map((m) => [m.historyId, m.via])).toEqual([
      [1, 'push'],
      [2, 'push'],
      [8, 'full-sync'],
      [9, 'full-sync'],
      [10, 'full-sync'],
      [11, 'push'],
    ]);
  });

  it('when a full sync spans several pages, then the app gets each retained mail once, in order, and incremental sync continues after the last page', async () => {
    const client = new MailboxClient({ url: lab.b.url, userId: 'kim', fullSyncPageSize: 2 });
    try {
      await client.connect();
      await publishMails(lab.a, 'kim', 1);
      await waitFor(() => client.handed.length === 1, 'the first push');
      client.disconnect();
      await publishMails(lab.a, 'kim', 20);
      await request(lab.a.service.server).post('/users/kim/history/trim').send({ keepLast: 7 }).expect(200);
      await client.connect();
      await client.settled();
      await publishMails(lab.a, 'kim', 2);
      await waitFor(() => client.handed.at(-1)?.historyId === 23, 'the pushes after the full sync');
      await client.settled();
      expect(client.counts.fullSyncPages).toBe(4);
      expect(client.handed.map((m) => m.historyId)).toEqual([1, ...range(15, 23)]);
      expect(client.handed.filter((m) => m.via === 'full-sync').map((m) => m.historyId)).toEqual(
        range(15, 21),
      );
      expect(new Set(client.handed.map((m) => m.messageId)).size).toBe(client.handed.length);
    } finally {
      client.disconnect();
    }
  });

  it('when a startHistoryId is ahead of the mailbox (a reset), then it is also HISTORY_EXPIRED', async () => {
    const res = await request(lab.a.service.server).get('/users/nobody/history?startHistoryId=5');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'HISTORY_EXPIRED', historyId: 0 });
  });

  it('when more mail arrives than the count cap, then only the newest entries stay and trimmedThrough says where history starts', async () => {
    await publishMails(small, 'kate', 8);
    const res = await request(small.service.server).get('/users/kate/history?startHistoryId=3').expect(200);
    expect(res.body).toMatchObject({ historyId: 8, trimmedThrough: 3 });
    expect(historyIds(res.body.events)).toEqual([4, 5, 6, 7, 8]);
  });

  it('when entries are older than the age cap, then the next append trims them', async () => {
    await publishMails(shortLived, 'liam', 2);
    // Time itself is the input here: the first two entries must age past the 1 s cap (by Redis TIME).
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await publishMails(shortLived, 'liam', 1);
    const res = await request(shortLived.service.server)
      .get('/users/liam/history?startHistoryId=2')
      .expect(200);
    expect(res.body).toMatchObject({ historyId: 3, trimmedThrough: 2 });
    expect(historyIds(res.body.events)).toEqual([3]);
  });

  it('when the mailbox is listed page by page, then the pages cover every retained message once, oldest first', async () => {
    const first = await request(lab.a.service.server).get('/users/ivy/messages?limit=4').expect(200);
    expect(first.body).toMatchObject({ historyId: 10, hasMore: true, nextAfterHistoryId: 4 });
    expect(historyIds(first.body.messages)).toEqual([1, 2, 3, 4]);
    const seen = historyIds(first.body.messages);
    let after: number | null = first.body.nextAfterHistoryId as number;
    while (after !== null) {
      const page = await request(lab.a.service.server)
        .get(`/users/ivy/messages?afterHistoryId=${after}&limit=4`)
        .expect(200);
      seen.push(...historyIds(page.body.messages));
      after = page.body.nextAfterHistoryId as number | null;
    }
    expect(seen).toEqual(range(1, 10));
  });
});

import { sendRedisCommand, stopAllRedis } from '@kvs-lab/shared/testing';
import { io } from 'socket.io-client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels } from '../src/store/keys.ts';
import { publishMails } from './support/mail.ts';
import type { RecordingClient } from './support/gmail-pubsub-lab.ts';
import { connectRecorder, startPubsubLab, subscribeTo, waitFor } from './support/gmail-pubsub-lab.ts';

describe('abuse over the socket is refused with an error event, not a slow server', () => {
  let lab: Awaited<ReturnType<typeof startPubsubLab>>;
  const clients: RecordingClient[] = [];

  beforeAll(async () => {
    lab = await startPubsubLab({ MAX_SUBSCRIPTIONS_PER_SOCKET: 20, CORS_ORIGINS: 'http://allowed.example' });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await lab?.close();
    await stopAllRedis();
  });

  async function client(userId = 'sam'): Promise<RecordingClient> {
    const connected = await connectRecorder(lab.a.url, userId);
    clients.push(connected);
    return connected;
  }

  const refusals = (recorder: RecordingClient) =>
    recorder.events
      .filter((e) => e.event === 'topics:refused')
      .map((e) => (e.payload as { code: string }).code);

  it('when a filter field is huge, then the subscription is refused with FILTER_TOO_LARGE in the ack and a topics:refused event', async () => {
    const recorder = await client();
    const ack = await subscribeTo(recorder.socket, 'mailbox', { subjectContains: 'x'.repeat(5_000) });
    expect(ack).toMatchObject({ ok: false, error: { code: 'FILTER_TOO_LARGE' } });
    await waitFor(() => refusals(recorder).includes('FILTER_TOO_LARGE'), 'the refusal event');
  });

  it('when a filter asks for a regular expression, then it is refused as FILTER_INVALID', async () => {
    const recorder = await client();
    expect(await subscribeTo(recorder.socket, 'mailbox', { subjectRegex: '(a+)+$' })).toMatchObject({
      ok: false,
      error: { code: 'FILTER_INVALID' },
    });
    expect(await subscribeTo(recorder.socket, 'mailbox', 'from=x')).toMatchObject({
      ok: false,
      error: { code: 'FILTER_INVALID' },
    });
  });

  it('when a socket asks for thousands of subscriptions, then all past the cap are refused and it still works', async () => {
    const recorder = await client('tom');
    const acks = await Promise.all(
      Array.from({ length: 2_000 }, (_, i) => subscribeTo(recorder.socket, `t${i}`)),
    );
    const ok = acks.filter((ack) => (ack as { ok: boolean }).ok);
    expect(ok).toHaveLength(20);
    expect(
      acks
        .slice(20)
        .every((ack) => (ack as { error?: { code: string } }).error?.code === 'SUBSCRIPTION_LIMIT'),
    ).toBe(true);
    await request(lab.a.service.server).get('/healthz').expect(200);
    // Freeing one place lets the mailbox in, and mail flows.
    expect(await recorder.socket.emitWithAck('topics:unsubscribe', { topic: 't0' })).toMatchObject({
      ok: true,
      wasSubscribed: true,
    });
    expect(await subscribeTo(recorder.socket, 'mailbox')).toMatchObject({ ok: true, subscriptions: 20 });
    await publishMails(lab.b, 'tom', 1);
    await waitFor(() => recorder.mail.length === 1, 'mail after the abuse');
    const stats = await request(lab.a.service.server).get('/stats').expect(200);
    expect(stats.body.refused).toBeGreaterThanOrEqual(1_980);
  });

  it('when a request has the wrong shape or a bad topic, then it is refused with INVALID_REQUEST or INVALID_TOPIC', async () => {
    const recorder = await client();
    expect(await recorder.socket.emitWithAck('topics:subscribe', 'mailbox')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    expect(
      await recorder.socket.emitWithAck('topics:subscribe', { topic: 'mailbox', extra: 1 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    expect(await subscribeTo(recorder.socket, '../etc')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_TOPIC' },
    });
    expect(await subscribeTo(recorder.socket, 'Caps')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_TOPIC' },
    });
    expect(await recorder.socket.emitWithAck('topics:unsubscribe', { topic: 7 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    for (const bad of [{ sinceHistoryId: -1 }, { sinceHistoryId: 1.5 }, { sinceHistoryId: '3' }, {}, null]) {
      expect(await recorder.socket.emitWithAck('history:sync', bad)).toMatchObject({
        ok: false,
        error: { code: 'INVALID_REQUEST' },
      });
    }
  });

  it('when the handshake has no valid userId, then the connection is refused', async () => {
    for (const auth of [
      {},
      { userId: '' },
      { userId: 'UPPER' },
      { userId: 'x'.repeat(65) },
      { userId: 42 },
    ]) {
      const socket = io(`${lab.a.url}/notifications`, {
        auth,
        transports: ['websocket'],
        reconnection: false,
      });
      const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
      expect(error.message).toMatch(/^INVALID_USER/);
      socket.disconnect();
    }
  });

  it('when a client sends a message bigger than maxHttpBufferSize, then only its connection is closed', async () => {
    const recorder = await client();
    const closed = new Promise<string>((resolve) => recorder.socket.once('disconnect', resolve));
    recorder.socket.emit('topics:subscribe', { topic: 'mailbox', filter: { from: 'y'.repeat(40_000) } });
    expect(await closed).toMatch(/transport (close|error)/);
    const other = await client();
    expect(await subscribeTo(other.socket, 'mailbox')).toMatchObject({ ok: true });
  });

  it('when a browser page on another origin opens the handshake, then only configured origins get CORS headers', async () => {
    const allowed = await request(lab.a.service.server)
      .get('/socket.io/?EIO=4&transport=polling')
      .set('Origin', 'http://allowed.example');
    expect(allowed.headers['access-control-allow-origin']).toBe('http://allowed.example');
    const denied = await request(lab.a.service.server)
      .get('/socket.io/?EIO=4&transport=polling')
      .set('Origin', 'http://evil.example');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });
  it('when something that is not a notification is published on a channel, then it is counted as malformed and the instance keeps delivering', async () => {
    const listener = await client('tess');
    await subscribeTo(listener.socket, 'junk');
    const malformed = async () =>
      ((await request(lab.a.service.server).get('/stats')).body as { subscriber: { malformed: number } })
        .subscriber.malformed;
    const before = await malformed();
    for (const junk of ['not json', '{}', 'null', '{"kind":"post"}', '{"kind":"mail","labels":7}'])
      await sendRedisCommand(lab.redis.port, ['PUBLISH', channels.topic('junk'), junk]);
    await waitFor(async () => (await malformed()) === before + 5, 'five malformed messages counted');
    await request(lab.a.service.server)
      .post('/topics/junk/publish')
      .send({ payload: { n: 1 } })
      .expect(202);
    await waitFor(() => listener.posts.length === 1, 'the real post after the junk');
    expect(listener.posts[0]?.payload).toEqual({ n: 1 });
  });
});

import { stopAllRedis } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRecovery } from '../src/client/experiments.ts';
import { sessionGone } from '../src/client/recovery-window.ts';
import { publishMails, range } from './support/mail.ts';
import type { RecordingClient } from './support/gmail-pubsub-lab.ts';
import { connectRecorder, startPubsubLab, subscribeTo, waitFor } from './support/gmail-pubsub-lab.ts';

// The same promises on socket.io's Redis streams adapter. The recovery window must hold the 100 publishes of the
// "within" case on a loaded machine (1 s did not, twice, at load 20); the "beyond" case does not sleep past it but
// waits until Redis has expired the dropped socket's saved session (as the CLI does), so a longer window costs only that wait.
const recoveryWindowMs = 10_000;

describe('engine socketio-adapter: room broadcasts through a Redis stream, connection state recovery', () => {
  let lab: Awaited<ReturnType<typeof startPubsubLab>>;
  const recorders: RecordingClient[] = [];

  beforeAll(async () => {
    lab = await startPubsubLab({
      ENGINE: 'socketio-adapter',
      RECOVERY_MAX_DISCONNECTION_MS: recoveryWindowMs,
    });
  });

  afterAll(async () => {
    for (const recorder of recorders) recorder.close();
    await lab?.close();
    await stopAllRedis();
  });

  async function recorder(url: string, userId: string): Promise<RecordingClient> {
    const connected = await connectRecorder(url, userId);
    recorders.push(connected);
    return connected;
  }

  it('when mail is published through instance a, then clients on both instances get every mail once, in order', async () => {
    const onB = lab.mailboxClient(lab.b.url, 'ada');
    await onB.connect();
    const onA = await recorder(lab.a.url, 'ada');
    expect(await subscribeTo(onA.socket, 'mailbox')).toMatchObject({ ok: true });
    await publishMails(lab.a, 'ada', 20);
    await waitFor(() => onB.handed.length === 20 && onA.mail.length === 20, '20 mails on both instances');
    expect(onB.handed.map((m) => m.historyId)).toEqual(range(1, 20));
    expect(onB.handed.every((m) => m.via === 'push')).toBe(true);
    expect(onA.mail.map((m) => m.historyId)).toEqual(range(1, 20));
  });

  it('when a topic post is published on one instance, then a subscriber on the other receives it', async () => {
    const onB = await recorder(lab.b.url, 'ben');
    expect(await subscribeTo(onB.socket, 'deploys')).toMatchObject({ ok: true });
    const res = await request(lab.a.service.server)
      .post('/topics/deploys/publish')
      .send({ payload: { subject: 'v2 is out' } })
      .expect(202);
    expect(res.body).toMatchObject({ instancesReached: 2, localSockets: 0 });
    await waitFor(() => onB.posts.length === 1, 'the post on instance b');
    expect(onB.posts[0]).toMatchObject({
      topic: 'deploys',
      publisher: 'pubsub-a',
      payload: { subject: 'v2 is out' },
    });
  });

  it('when a filter is asked for, then it is refused: a room broadcast cannot filter per socket', async () => {
    const client = await recorder(lab.a.url, 'cleo');
    expect(await subscribeTo(client.socket, 'work', { from: 'boss@example.com' })).toMatchObject({
      ok: false,
      error: { code: 'FILTER_UNSUPPORTED' },
    });
  });

  it('when a client drops and comes back within the window, then socket.io replays all 100 missed mails; beyond it, history brings them back', async () => {
    const [within, beyond] = await compareRecovery({
      a: lab.a.url,
      b: lab.b.url,
      total: 100,
      windowPassed: sessionGone(lab.redis.url, recoveryWindowMs + 15_000),
    });
    expect(within).toMatchObject({
      sessionRecovered: true,
      replayedBySocketIo: 100,
      fromHistory: 0,
      duplicates: 0,
      handedToApp: '100/100',
    });
    expect(beyond).toMatchObject({
      sessionRecovered: false,
      replayedBySocketIo: 0,
      fromHistory: 100,
      handedToApp: '100/100',
    });
    const stats = (await request(lab.b.service.server).get('/stats').expect(200)).body;
    expect(stats).toMatchObject({ engine: 'socketio-adapter', recovered: 1, delivered: null, dropped: null });
    expect(stats.unavailable.delivered).toEqual(expect.any(String));
  }, 90_000);

  it('/check still holds over what this engine records', async () => {
    const check = await request(lab.b.service.server).get('/check').expect(200);
    expect(check.body.valid).toBe(true);
  });
});

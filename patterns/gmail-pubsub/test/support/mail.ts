import request from 'supertest';
import type { RunningInstance } from './pubsub-lab.ts';

/** Publishes `count` mails for `userId` through `instance`, one after another; returns their historyIds. */
export async function publishMails(
  instance: RunningInstance,
  userId: string,
  count: number,
  mail: { from?: string; subject?: string; labels?: string[] } = {},
): Promise<number[]> {
  const historyIds: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const res = await request(instance.service.server)
      .post(`/users/${userId}/messages`)
      .send({
        from: mail.from ?? 'bob@example.com',
        subject: mail.subject ?? `mail ${i + 1}`,
        labels: mail.labels ?? [],
      });
    if (res.status !== 201) throw new Error(`publish failed: ${res.status} ${JSON.stringify(res.body)}`);
    historyIds.push((res.body as { historyId: number }).historyId);
  }
  return historyIds;
}

export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Publishes `total` mails for `userId` at about `perSecond`, in small parallel
 * bursts every 20 ms (as a busy mail server would); returns once all are written.
 */
export async function publishAtRate(
  instance: RunningInstance,
  userId: string,
  total: number,
  perSecond: number,
): Promise<void> {
  const perTick = Math.max(1, Math.round(perSecond / 50));
  let sent = 0;
  while (sent < total) {
    const tickStarted = Date.now();
    const burst = Math.min(perTick, total - sent);
    const responses = await Promise.all(
      Array.from({ length: burst }, (_, i) =>
        request(instance.service.server)
          .post(`/users/${userId}/messages`)
          .send({ from: 'load@example.com', subject: `load ${sent + i + 1}`, labels: [] }),
      ),
    );
    const failed = responses.find((res) => res.status !== 201);
    if (failed) throw new Error(`publish failed: ${failed.status} ${JSON.stringify(failed.body)}`);
    sent += burst;
    const wait = 20 - (Date.now() - tickStarted);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

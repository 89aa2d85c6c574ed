import request from 'supertest';
import type { RunningInstance } from './gmail-pubsub-lab.ts';

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

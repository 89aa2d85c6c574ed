import { describe, expect, it } from 'vitest';
import { asNotification } from './notification.ts';

const mail = {
  kind: 'mail',
  historyId: 3,
  at: 1_700_000_000_000,
  userId: 'alice',
  messageId: 'm-1',
  from: 'bob@example.com',
  subject: 'Lunch?',
  labels: ['work'],
};
const post = { kind: 'post', topic: 'work', publisher: 'pubsub-a', seq: 1, at: 1, payload: { n: 1 } };

describe('notification shape check', () => {
  it('when a mail note or a post has every field with its type, then it is accepted as it is', () => {
    expect(asNotification(mail)).toEqual(mail);
    expect(asNotification(post)).toEqual(post);
  });

  it('when anything else arrives on a channel, then it is refused', () => {
    for (const junk of [null, 7, 'mail', [], {}, { ...mail, kind: 'spam' }, { ...mail, labels: 7 }]) {
      expect(asNotification(junk)).toBeUndefined();
    }
    expect(asNotification({ ...mail, historyId: -1 })).toBeUndefined();
    expect(asNotification({ ...post, payload: null })).toBeUndefined();
    expect(asNotification({ ...post, seq: '1' })).toBeUndefined();
  });
});

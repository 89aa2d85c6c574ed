import { describe, expect, it } from 'vitest';
import type { MailNote } from '../domain/notification.ts';
import type { OutboxSettings, Push, PushPort } from './socket-outbox.ts';
import { SocketOutbox } from './socket-outbox.ts';

const note = (historyId: number): MailNote => ({
  kind: 'mail',
  userId: 'u',
  historyId,
  messageId: `m${historyId}`,
  at: 0,
  from: 'a@b.c',
  subject: 's',
  labels: [],
});

const push = (historyId: number): Push => ({
  event: 'mail:received',
  payload: { ...note(historyId), topic: 'mailbox' },
  note: note(historyId),
});

/** A socket that records what it is sent and lets the test acknowledge. */
function fakePort() {
  const wire: string[] = [];
  const acks: (() => void)[] = [];
  let disconnects = 0;
  const port: PushPort = {
    send: (p, acknowledged) => {
      wire.push(
        `push ${p.payload.topic === 'mailbox' && 'historyId' in p.payload ? p.payload.historyId : '?'}`,
      );
      acks.push(acknowledged);
    },
    reportDropped: (count) => wire.push(`dropped ${count}`),
    disconnect: () => {
      disconnects += 1;
    },
  };
  return { port, wire, acks, disconnects: () => disconnects };
}

const settings = (policy: OutboxSettings['policy']): OutboxSettings => ({ policy, window: 2, capacity: 3 });

describe('socket outbox', () => {
  it('when the client does not acknowledge, then only the window is sent and the rest waits in the bounded queue', () => {
    const { port, wire } = fakePort();
    const outbox = new SocketOutbox(port, settings('drop-oldest'), () => undefined);
    for (let h = 1; h <= 10; h += 1) outbox.push(push(h), 'k');
    expect(wire).toEqual(['push 1', 'push 2']);
    expect(outbox.inFlight).toBe(2);
    expect(outbox.queueDepth).toBe(3);
    expect(outbox.dropped).toBe(5);
    expect(outbox.isSlow).toBe(true);
  });

  it('when the client acknowledges again, then it hears about the drops before the next push, in order', () => {
    const { port, wire, acks } = fakePort();
    const outbox = new SocketOutbox(port, settings('drop-oldest'), () => undefined);
    for (let h = 1; h <= 10; h += 1) outbox.push(push(h), 'k');
    acks.shift()?.();
    expect(wire).toEqual(['push 1', 'push 2', 'dropped 5', 'push 8']);
    acks.shift()?.();
    acks.shift()?.();
    expect(wire.slice(4)).toEqual(['push 9', 'push 10']);
    expect(outbox.queueDepth).toBe(0);
  });

  it('when the policy is disconnect and the queue overflows, then the socket is cut and nothing more is sent', () => {
    const fake = fakePort();
    const outbox = new SocketOutbox(fake.port, settings('disconnect'), () => undefined);
    const outcomes = Array.from({ length: 7 }, (_, i) => outbox.push(push(i + 1), 'k'));
    expect(outcomes).toEqual(['sent', 'sent', 'queued', 'queued', 'queued', 'disconnected', 'closed']);
    expect(fake.disconnects()).toBe(1);
    fake.acks.shift()?.();
    expect(fake.wire).toEqual(['push 1', 'push 2']);
  });

  it('when the policy changes to a larger window, then waiting pushes go out at once', () => {
    const { port, wire } = fakePort();
    const outbox = new SocketOutbox(port, settings('coalesce'), () => undefined);
    for (let h = 1; h <= 5; h += 1) outbox.push(push(h), `k${h}`);
    outbox.reconfigure({ policy: 'coalesce', window: 10, capacity: 3 });
    expect(wire).toEqual(['push 1', 'push 2', 'push 3', 'push 4', 'push 5']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceLog } from '@kvs-lab/shared/history';
import type { TestApp } from './support/bloom-sstable-lab.ts';
import { removeTempDirs, startTestApp } from './support/bloom-sstable-lab.ts';

// What a get costs the live view and the trace: nothing is built for a page nobody opened, and the
// trace takes whole read paths only, however many gets a second arrive.
describe('live events and trace messages of the store', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('live-events');
  });
  afterAll(async () => {
    await app?.service.close();
    removeTempDirs();
  });

  it('when no live view is open, a write and a read emit no event, and a page opened then still gets the last read', async () => {
    const events: string[] = [];
    let isWatched = false;
    app.lsm.setEmitter(
      (event) => events.push(event),
      () => isWatched,
    );
    await app.lsm.put('quiet:1', 'a', 'test');
    await app.lsm.get('quiet:2', undefined, 'test');
    expect(events).toEqual([]);
    expect(app.lsm.liveSnapshot().lastRead).toMatchObject({ key: 'quiet:2', found: false });
    isWatched = true;
    await app.lsm.get('quiet:1', undefined, 'test');
    expect(events).toEqual(['read:traced']);
  });

  it('a burst of gets leaves whole read paths in the trace: each one asked starts at the client and ends in a reply', async () => {
    const trace = new TraceLog({ capacity: 100_000 });
    app.lsm.setTraceSink(trace);
    await app.lsm.put('burst:1', 'a', 'test');
    for (let i = 0; i < 3_000; i++) await app.lsm.get(`burst:${i % 2}`, undefined, 'test');
    const messages = trace.entries().filter((e) => e.type === 'message');
    const starts = messages.filter((m) => m.type === 'message' && m.from === 'client' && m.kind === 'get');
    const replies = messages.filter((m) => m.type === 'message' && m.kind === 'reply');
    expect(starts.length).toBeGreaterThan(0);
    expect(replies.length).toBe(starts.length);
  });
});

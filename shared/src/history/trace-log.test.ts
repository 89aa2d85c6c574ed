import { describe, expect, it } from 'vitest';
import { TraceLog } from './trace-log.ts';

/** One fan-out of `n` messages from a coordinator to n replicas. */
const fanOut = (n: number) => Array.from({ length: n }, (_, i) => ({ from: 'c', to: `r${i}`, kind: 'put' }));

describe('trace log', () => {
  it('gives each event a logical time that rises, and jumps past the clock a received message carries', () => {
    const trace = new TraceLog({ now: () => 1 });
    expect(trace.record({ type: 'fault', node: 'n1', kind: 'pause' })).toBe(1);
    expect(trace.record({ type: 'message', from: 'n2', to: 'n1', kind: 'vote' }, 41)).toBe(42);
    expect(trace.record({ type: 'message', from: 'n1', to: 'n2', kind: 'vote-granted' })).toBe(43);
    expect(trace.entries().map((e) => e.seq)).toEqual([1, 42, 43]);
  });

  it('keeps the newest events within its capacity and counts what it dropped', () => {
    const trace = new TraceLog({ capacity: 3 });
    for (let i = 0; i < 5; i++) trace.record({ type: 'fault', node: `n${i}`, kind: 'link' });
    expect(trace.entries().map((e) => (e.type === 'fault' ? e.node : ''))).toEqual(['n2', 'n3', 'n4']);
    expect(trace.droppedEvents).toBe(2);
  });

  it('records a fan-out whole or not at all, within the per-second message budget', () => {
    let now = 0;
    const trace = new TraceLog({ messagesPerSecond: 4, now: () => now });
    expect(trace.recordMessages(fanOut(3))).toBe(true);
    expect(trace.recordMessages(fanOut(3))).toBe(false);
    expect(trace.entries()).toHaveLength(3);
    expect(trace.skippedMessages).toBe(3);
    now = 1_000;
    expect(trace.recordMessages(fanOut(3))).toBe(true);
    expect(trace.entries()).toHaveLength(6);
  });

  it('after a clear, records the next fan-out even when the second was already spent (DELETE /history, then the steps to watch)', () => {
    const trace = new TraceLog({ messagesPerSecond: 4, now: () => 500 });
    expect(trace.recordMessages(fanOut(4))).toBe(true);
    expect(trace.recordMessages(fanOut(3))).toBe(false);
    trace.clear();
    expect(trace.skippedMessages).toBe(0);
    expect(trace.recordMessages(fanOut(3))).toBe(true);
    expect(trace.entries()).toHaveLength(3);
  });
});

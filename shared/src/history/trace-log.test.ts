import { describe, expect, it } from 'vitest';
import { TraceLog } from './trace-log.ts';

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
});

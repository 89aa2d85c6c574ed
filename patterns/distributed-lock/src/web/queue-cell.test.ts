import { describe, expect, it } from 'vitest';
import { queueLabel } from './queue-cell.js';

describe('the live view queue cell', () => {
  it('lists a waiter heard twice (event and GET /locks) once', () => {
    const bob = { waiter: 'lock-b:bob:1a2b', owner: 'bob', ticket: 6 };
    expect(queueLabel([bob, { ...bob }])).toBe('1. bob #6');
  });

  it('orders by ticket, then waiter id, and says when a tie was broken', () => {
    const label = queueLabel([
      { waiter: 'z', owner: 'dave', ticket: 7 },
      { waiter: 'm', owner: 'carol', ticket: 6 },
      { waiter: 'c', owner: 'bob', ticket: 6 },
    ]);
    expect(label).toBe('1. bob #6 → 2. carol #6 (tie: by waiter id) → 3. dave #7');
  });
});

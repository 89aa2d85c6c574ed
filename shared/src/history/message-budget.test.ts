import { describe, expect, it } from 'vitest';
import { MessageBudget } from './message-budget.ts';

describe('the trace message budget', () => {
  it('keeps whole fan-outs up to the budget each second, counts the rest, and starts over the next second', () => {
    const budget = new MessageBudget(20);
    expect(budget.allow(0, 10)).toBe(true);
    expect(budget.allow(10, 10)).toBe(true);
    expect(budget.allow(20, 10)).toBe(false);
    expect(budget.skipped).toBe(10);
    expect(budget.allow(1_000, 10)).toBe(true);
  });

  it('lets a first fan-out larger than the budget through rather than never tracing it', () => {
    expect(new MessageBudget(5).allow(0, 10)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { compactPorts } from './pattern-list.ts';

describe('compactPorts', () => {
  it('writes consecutive ports as a range and keeps the rest apart', () => {
    expect(compactPorts([7113, 7111, 7112, 7120])).toBe('7111-7113,7120');
    expect(compactPorts([7001])).toBe('7001');
    expect(compactPorts([])).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import { jsonValues } from './json-values.ts';

describe('jsonValues', () => {
  it('finds answers that run together or span lines, and skips brackets that are not JSON', () => {
    const text = '[bench] start\n{"a":1}{"b":"}{"}\n[\n  1,\n  2\n]\ndone {not json}';
    expect(jsonValues(text)).toEqual([{ a: 1 }, { b: '}{' }, [1, 2]]);
  });
});

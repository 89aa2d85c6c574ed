import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEnv } from './env-config.ts';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).default(7000),
  MODE: z.enum(['a', 'b']).default('a'),
});

describe('parseEnv', () => {
  it('returns the parsed values with their defaults', () => {
    expect(parseEnv('demo', schema, { PORT: '7100' })).toEqual({ PORT: 7100, MODE: 'a' });
  });

  it('names every bad variable in one message that starts with the pattern', () => {
    expect(() => parseEnv('demo', schema, { PORT: 'eighty', MODE: 'c' })).toThrow(
      /^demo: bad configuration: PORT: .+; MODE: .+/,
    );
  });
});

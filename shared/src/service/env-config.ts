import type { z } from 'zod';

/**
 * A pattern's environment parsed by its zod schema, or one error naming every bad variable
 * (`line-streams: bad configuration: PORT: expected a number; RATE_LIMIT: ...`): the same
 * message form in every pattern, and the config type comes from the schema.
 */
export function parseEnv<S extends z.ZodType>(
  pattern: string,
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`,
  );
  throw new Error(`${pattern}: bad configuration: ${problems.join('; ')}`);
}

/** A rule across variables failed (e.g. triggers out of order): the same message form as parseEnv. */
export function badConfiguration(pattern: string, problem: string): Error {
  return new Error(`${pattern}: bad configuration: ${problem}`);
}

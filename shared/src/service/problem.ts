import { AppError, isAppError } from './app-error.ts';
import { classifyInfrastructureError } from './infrastructure-errors.ts';

/** RFC 9457 problem details, as every error response of the lab is shaped. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  outcome: 'not_applied' | 'indeterminate';
  detail: string;
  requestId?: string;
  [extra: string]: unknown;
}

export const problemContentType = 'application/problem+json';
const typeBase = 'https://kvs-lab.dev/errors/';

/** `QUORUM_NOT_REACHED` -> `https://kvs-lab.dev/errors/quorum-not-reached`. */
export function problemType(code: string): string {
  return typeBase + code.toLowerCase().replaceAll('_', '-');
}

// Members a pattern's extras may not overwrite: they carry the contract.
const reserved = new Set(['type', 'title', 'status', 'code', 'outcome', 'detail', 'requestId']);

/** Any thrown value as an AppError: known infrastructure errors keep their meaning, the rest is INTERNAL. */
export function toAppError(error: unknown): AppError<string> {
  if (isAppError(error)) return error;
  // Express's router cannot percent-decode a parameter like `%ZZ`: bad input, never a bug.
  if (error instanceof URIError && (error as URIError & { status?: number }).status === 400) {
    const detail = 'the URL path has a malformed percent-encoding';
    return new AppError('VALIDATION_FAILED', `path: ${detail}`, {
      extras: { errors: [{ path: 'path', message: detail }] },
    });
  }
  return classifyInfrastructureError(error) ?? new AppError('INTERNAL', 'An unexpected error occurred.');
}

/** The problem document for an AppError; never includes a stack trace. */
export function toProblem(error: AppError<string>, requestId?: string): Problem {
  const problem: Problem = {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    code: error.code,
    outcome: error.outcome,
    detail: error.message,
  };
  for (const [key, value] of Object.entries(error.extras)) {
    if (!reserved.has(key)) problem[key] = value;
  }
  if (requestId) problem.requestId = requestId;
  return problem;
}

/**
 * The one error class of the lab. Every failure a client can see is an
 * AppError with a stable UPPER_SNAKE `code`; the HTTP status, title and
 * outcome come from the code table, so routes never pick statuses by hand.
 */

/** Whether the operation may have taken effect: clients retry only `not_applied` blindly. */
export type Outcome = 'not_applied' | 'indeterminate';

export interface ErrorKind {
  readonly status: number;
  readonly title: string;
  readonly outcome: Outcome;
}

/** Codes every service shares. Patterns add their own with `defineErrorCodes`. */
export const kitErrorCodes = {
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed', outcome: 'not_applied' },
  MALFORMED_JSON: { status: 400, title: 'Malformed JSON body', outcome: 'not_applied' },
  MALFORMED_BODY: { status: 400, title: 'Body could not be decoded', outcome: 'not_applied' },
  ADMIN_TOKEN_REQUIRED: { status: 401, title: 'Admin token required', outcome: 'not_applied' },
  HOST_NOT_ALLOWED: { status: 403, title: 'Host not allowed', outcome: 'not_applied' },
  CROSS_ORIGIN_REFUSED: { status: 403, title: 'Cross-origin request refused', outcome: 'not_applied' },
  NOT_FOUND: { status: 404, title: 'Not found', outcome: 'not_applied' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', outcome: 'not_applied' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large', outcome: 'not_applied' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', outcome: 'not_applied' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request line or headers too large', outcome: 'not_applied' },
  NOT_IMPLEMENTED: { status: 501, title: 'Not implemented', outcome: 'not_applied' },
  REDIS_UNAVAILABLE: { status: 503, title: 'Redis node unavailable', outcome: 'not_applied' },
  NOT_READY: { status: 503, title: 'Service not ready', outcome: 'not_applied' },
  REDIS_TIMEOUT: { status: 504, title: 'Redis command timed out', outcome: 'indeterminate' },
  TIMEOUT: { status: 504, title: 'Request timed out', outcome: 'indeterminate' },
  INTERNAL: { status: 500, title: 'Internal error', outcome: 'indeterminate' },
} as const satisfies Record<string, ErrorKind>;

const registry = new Map<string, ErrorKind>(Object.entries(kitErrorCodes));

/**
 * Registers a pattern's own error codes beside the kit's, once at module load,
 * and returns them typed so `new AppError(code)` is checked at compile time.
 */
export function defineErrorCodes<const T extends Record<string, ErrorKind>>(codes: T): T {
  for (const [code, kind] of Object.entries(codes)) {
    const existing = registry.get(code);
    if (existing && existing.status !== kind.status) {
      throw new Error(`error code ${code} is already defined with status ${existing.status}`);
    }
    if (!/^[A-Z][A-Z0-9_]*$/.test(code)) throw new Error(`error code ${code} must be UPPER_SNAKE`);
    registry.set(code, kind);
  }
  return codes;
}

/** The table entry for a code; unknown codes are a programming error, reported as INTERNAL. */
export function errorKind(code: string): ErrorKind {
  return registry.get(code) ?? kitErrorCodes.INTERNAL;
}

/** Every registered code, for the OpenAPI document and the README errors table. */
export function registeredErrorCodes(): ReadonlyMap<string, ErrorKind> {
  return registry;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly outcome: Outcome;
  /** Extra members of the problem document (`acks`, `needed`, `holder`...). */
  readonly extras: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: string,
    detail?: string,
    options: {
      extras?: Record<string, unknown>;
      headers?: Record<string, string>;
      outcome?: Outcome;
      cause?: unknown;
    } = {},
  ) {
    const kind = errorKind(code);
    super(detail ?? kind.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = registry.has(code) ? code : 'INTERNAL';
    this.status = kind.status;
    this.title = kind.title;
    // Some 503s may have partly happened (a quorum write that reached a minority): let the thrower say so.
    this.outcome = options.outcome ?? kind.outcome;
    this.extras = options.extras ?? {};
    this.headers = options.headers ?? {};
  }
}

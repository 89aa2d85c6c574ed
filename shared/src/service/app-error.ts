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

/** A table of error codes: each code's status, title and outcome. */
export type ErrorTable = Readonly<Record<string, ErrorKind>>;

/** Codes every service shares. A pattern declares its own in `src/errors.ts` with `defineErrorCodes`. */
export const kitErrorCodes = {
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed', outcome: 'not_applied' },
  MALFORMED_JSON: { status: 400, title: 'Malformed JSON body', outcome: 'not_applied' },
  MALFORMED_BODY: { status: 400, title: 'Body could not be decoded', outcome: 'not_applied' },
  ADMIN_TOKEN_REQUIRED: { status: 401, title: 'Admin token required', outcome: 'not_applied' },
  HOST_NOT_ALLOWED: { status: 403, title: 'Host not allowed', outcome: 'not_applied' },
  CROSS_ORIGIN_REFUSED: { status: 403, title: 'Cross-origin request refused', outcome: 'not_applied' },
  NOT_FOUND: { status: 404, title: 'Not found', outcome: 'not_applied' },
  // Several patterns store keys: one code for "no such key" wherever it is asked.
  KEY_NOT_FOUND: { status: 404, title: 'Key not found', outcome: 'not_applied' },
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
} as const satisfies ErrorTable;

export type KitErrorCode = keyof typeof kitErrorCodes;

/** A pattern's codes beside the kit's: the union its `AppError` and its routes' `errors` are typed by. */
export type ErrorCodeOf<T extends ErrorTable> = KitErrorCode | (keyof T & string);

const kitTable: ErrorTable = kitErrorCodes;

/**
 * Checks a pattern's table (UPPER_SNAKE codes, none redefining a kit code) and returns it typed,
 * for `ErrorCodeOf<typeof table>` and the pattern's `AppError` subclass. Nothing is registered:
 * the table travels with the classes and the service that use it.
 */
export function defineErrorCodes<const T extends Record<string, ErrorKind>>(codes: T): T {
  for (const code of Object.keys(codes)) {
    if (Object.hasOwn(kitTable, code))
      throw new Error(`error code ${code} is the kit's: use it, do not redefine it`);
    if (!/^[A-Z][A-Z0-9_]*$/.test(code)) throw new Error(`error code ${code} must be UPPER_SNAKE`);
  }
  return codes;
}

/** The kit's and `table`'s codes in one table (what a service documents and answers). */
export function withKitCodes(table: ErrorTable = {}): ErrorTable {
  return { ...kitTable, ...table };
}

/** The table entry for a code; an unknown code is a programming error, reported as INTERNAL. */
export function errorKind(code: string, table: ErrorTable = kitTable): ErrorKind {
  return (Object.hasOwn(table, code) ? table[code] : kitTable[code]) ?? kitErrorCodes.INTERNAL;
}

function isKnown(code: string, table: ErrorTable): boolean {
  return Object.hasOwn(table, code) || Object.hasOwn(kitTable, code);
}

/**
 * The one error class. `Code` is the union of codes it may carry: a pattern's subclass
 * (`class AppError extends KitAppError<ErrorCode>` in its `src/errors.ts`) sets its table
 * in `codes`, so a misspelt code fails the typecheck instead of becoming a 500 at run time.
 */
export class AppError<Code extends string = KitErrorCode> extends Error {
  /** The codes this class answers beyond the kit's: a pattern's subclass sets its own table. */
  static readonly codes: ErrorTable = {};

  readonly code: Code | 'INTERNAL';
  readonly status: number;
  readonly title: string;
  readonly outcome: Outcome;
  /** Extra members of the problem document (`acks`, `needed`, `holder`...). */
  readonly extras: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: NoInfer<Code>,
    detail?: string,
    options: {
      extras?: Record<string, unknown>;
      headers?: Record<string, string>;
      outcome?: Outcome;
      cause?: unknown;
    } = {},
  ) {
    const table = (new.target as unknown as { codes: ErrorTable }).codes;
    const kind = errorKind(code, table);
    super(detail ?? kind.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = isKnown(code, table) ? code : 'INTERNAL';
    this.status = kind.status;
    this.title = kind.title;
    // Some 503s may have partly happened (a quorum write that reached a minority): let the thrower say so.
    this.outcome = options.outcome ?? kind.outcome;
    this.extras = options.extras ?? {};
    this.headers = options.headers ?? {};
  }
}

/** True for every AppError, whichever pattern's subclass threw it (the kit's included). */
export function isAppError(value: unknown): value is AppError<string> {
  return value instanceof AppError;
}

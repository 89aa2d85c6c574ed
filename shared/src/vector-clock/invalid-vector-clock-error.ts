/** Thrown by `fromJSON` when its input is not a well-formed vector clock; the message names the field. */
export class InvalidVectorClockError extends Error {
  override readonly name = 'InvalidVectorClockError';
  /** Where the problem is, e.g. `n1.counter`, or `` for the value as a whole. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`invalid vector clock${path === '' ? '' : ` at ${path}`}: ${problem}`);
    this.path = path;
  }
}

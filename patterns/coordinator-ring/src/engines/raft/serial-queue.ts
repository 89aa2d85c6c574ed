/**
 * Runs async steps one at a time, in call order. Raft's handlers read the
 * state, persist a change, then answer: two interleaved votes could both see
 * "not voted yet" and grant twice. Serialising them closes that gap.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.tail.then(step, step);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** A failure the learner can act on: the CLI prints its message alone, without a stack. */
export class LabError extends Error {
  override readonly name = 'LabError';
}

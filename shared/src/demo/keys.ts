/** Every Redis key of the kit demo: one hash of counter name -> value. */
export const keys = {
  counters: 'lab:kit-demo:counters',
} as const;

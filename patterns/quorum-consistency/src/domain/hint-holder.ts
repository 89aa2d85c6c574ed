/**
 * Hinted handoff: when a replica cannot take a write, another replica keeps
 * the version as a hint addressed to it and hands it over when it answers
 * again. The holder is the next live replica after the target in ring order,
 * as Dynamo walks its preference list, so hints for one target spread
 * predictably and never sit on the target itself.
 */
export function chooseHintHolder(
  target: string,
  ringOrder: readonly string[],
  isLive: (node: string) => boolean,
): string | undefined {
  const start = ringOrder.indexOf(target);
  for (let step = 1; step < ringOrder.length; step++) {
    const candidate = ringOrder[(start + step) % ringOrder.length];
    if (candidate !== undefined && candidate !== target && isLive(candidate)) return candidate;
  }
  return undefined;
}

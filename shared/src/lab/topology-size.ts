import type { PatternTopology } from '../topology/index.ts';
import { LabError } from './lab-error.ts';

/**
 * A pattern at another size (5 replicas instead of 3): the topology's own `resize` builds it, so ports and
 * peers are still declared in one place. No size, or the default one, is the topology itself.
 */
export function topologyAtSize(topology: PatternTopology, size?: number): PatternTopology {
  const sizes = topology.sizes;
  if (size === undefined || size === sizes?.default) return topology;
  if (!sizes) throw new LabError(`${topology.name} runs at one size only; drop --size`);
  if (!sizes.others.includes(size)) {
    const allowed = [sizes.default, ...sizes.others].join(', ');
    throw new LabError(`${topology.name} runs at sizes ${allowed}, not ${size}`);
  }
  const resized = sizes.resize(size);
  if (resized.name !== topology.name) {
    throw new Error(`${topology.name}: resize(${size}) returned topology '${resized.name}'`);
  }
  return resized;
}

/** Every non-default size of every topology that declares some, for the compose override files. */
export function sizedVariants(
  topologies: readonly PatternTopology[],
): { readonly base: PatternTopology; readonly size: number; readonly resized: PatternTopology }[] {
  return topologies.flatMap((base) =>
    (base.sizes?.others ?? []).map((size) => ({ base, size, resized: topologyAtSize(base, size) })),
  );
}

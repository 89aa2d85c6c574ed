export const neutralTitle: string;
export function titleFor(
  snapshot: { engine?: string; nodeCount?: number; quorum?: number } | undefined,
): string;

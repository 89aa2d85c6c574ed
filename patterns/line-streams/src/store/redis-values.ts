/** A Redis number (integer reply or numeric string; nil as 0). */
export const num = (value: unknown): number => Number(value ?? 0);

/** Pairs `[k1, v1, k2, v2]` (XINFO under RESP2 or flattened RESP3) to a record. */
export function pairs(reply: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  return out;
}

import { digestToHex, murmur3_x86_128 } from '../hashing/murmur3-128.ts';

/**
 * The hashes a Merkle tree is made of: 128-bit MurmurHash3 as 32 hex digits.
 *
 * Why not SHA-256: replicas are not adversaries here, so the tree needs only
 * that two different contents do not collide by accident, and 128 well-mixed
 * bits make that about 2^-128 per comparison. MurmurHash3 is not collision
 * resistant against crafted input, so a store facing untrusted writers would
 * use a cryptographic hash; this one keeps the module pure and portable.
 *
 * Leaves and inner nodes hash under different prefixes (as Certificate
 * Transparency's RFC 6962 does), so a leaf can never be read as an inner node.
 */

/** The hash of one leaf range's (key, digest) pairs, in key order so insertion order cannot matter. */
export function leafHash(entries: readonly (readonly [key: string, digest: string])[]): string {
  // JSON.stringify makes the encoding unambiguous (quotes and escapes delimit every field)
  // and escapes lone surrogates, so the UTF-8 the hash reads is distinct for distinct pairs.
  return digestToHex(murmur3_x86_128(`leaf:${JSON.stringify(entries)}`));
}

/** The hash of an inner node from its two children's hashes (fixed-width, so plain concatenation is unambiguous). */
export function innerHash(left: string, right: string): string {
  return digestToHex(murmur3_x86_128(`node:${left}${right}`));
}

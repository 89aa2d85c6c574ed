const utf8 = new TextEncoder();

// One scratch buffer for encoding short strings: `encodeInto` it is several
// times faster than allocating a new array per key (100k-key tests notice).
// Sharing it is safe because every hash here reads the bytes to the end
// before returning, and nothing else sees the view.
const scratch = new Uint8Array(1024);

/**
 * The bytes a hash reads: strings as UTF-8 (as every other MurmurHash3 port
 * does), bytes as given. A string's bytes may live in the shared scratch
 * buffer: read them at once, never keep them.
 */
export function toBytes(input: string | Uint8Array): Uint8Array {
  if (typeof input !== 'string') return input;
  // UTF-8 takes at most 3 bytes per UTF-16 code unit; longer strings get their own array.
  if (input.length * 3 > scratch.length) return utf8.encode(input);
  const { written } = utf8.encodeInto(input, scratch);
  return scratch.subarray(0, written);
}

/**
 * Up to four bytes from `offset`, little-endian, missing high bytes zero: a
 * whole block word, or a tail word as the reference's switch builds it.
 */
export function readWordLE(data: Uint8Array, offset: number, count = 4): number {
  let word = 0;
  for (let b = count - 1; b >= 0; b--) word = (word << 8) | (data[offset + b] as number);
  return word;
}

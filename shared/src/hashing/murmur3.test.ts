import { describe, expect, it } from 'vitest';
import { digestToHex, murmur3_64, murmur3_x86_128 } from './murmur3-128.ts';
import { murmur3_32 } from './murmur3-32.ts';

// Expected values: the x86_32 vectors are the widely quoted set from Ian Boyd's
// answer to "MurmurHash3 test vectors" (stackoverflow.com/questions/14747343);
// the verification values 0xB0F57EE3 and 0xB3ECE62A are SMHasher's own
// (aappleby/smhasher, src/main.cpp, entries Murmur3A and Murmur3C). Every value
// here was also checked against the reference MurmurHash3.cpp compiled with gcc.

/** SMHasher's VerificationTest: hash {}, {0}, {0,1}, ... {0..254} with seed 256-length, hash the digests. */
function smhasherVerification(hash: (data: Uint8Array, seed: number) => readonly number[]): number {
  const words = hash(new Uint8Array(0), 0).length;
  const key = new Uint8Array(256);
  const digests = new Uint8Array(256 * words * 4);
  const view = new DataView(digests.buffer);
  for (let length = 0; length < 256; length++) {
    key[length] = length;
    hash(key.subarray(0, length), 256 - length).forEach((word, w) =>
      view.setUint32((length * words + w) * 4, word, true),
    );
  }
  // The reference reads the first four bytes of the final digest little-endian: that is its first word.
  return hash(digests, 0)[0] as number;
}

describe('murmur3_32', () => {
  it.each([
    ['', 0, 0x00000000],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['test', 0, 0xba6bd213],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['abc', 0, 0xb3dd93fa],
  ])('murmur3_32(%j, %i) matches the published vector', (input, seed, expected) => {
    expect(murmur3_32(input, seed)).toBe(expected);
  });

  it('hashes strings as UTF-8', () => {
    const text = 'été € 😀';
    expect(murmur3_32(text)).toBe(0x464e34d1);
    expect(murmur3_32(new TextEncoder().encode(text))).toBe(murmur3_32(text));
  });

  it('passes SMHasher’s verification test (0xB0F57EE3)', () => {
    expect(smhasherVerification((data, seed) => [murmur3_32(data, seed)])).toBe(0xb0f57ee3);
  });

  it('returns an unsigned 32-bit integer, also for long strings', () => {
    const long = 'x'.repeat(5_000);
    expect(murmur3_32(long)).toBe(murmur3_32(new TextEncoder().encode(long)));
    expect(Number.isInteger(murmur3_32(long)) && murmur3_32(long) >= 0 && murmur3_32(long) < 2 ** 32).toBe(
      true,
    );
  });
});

describe('murmur3_x86_128', () => {
  it('passes SMHasher’s verification test (0xB3ECE62A)', () => {
    expect(smhasherVerification((data, seed) => murmur3_x86_128(data, seed))).toBe(0xb3ece62a);
  });

  it.each([
    ['', '00000000000000000000000000000000'],
    ['test', '6f02ef30550c7d68550c7d68550c7d68'],
    ['Hello, world!', '26acdba7f0638dfc402b42630afdd4c3'],
    ['The quick brown fox jumps over the lazy dog', '2f1583c3ecee2c675d7bf66ce5e91d2c'],
  ])('murmur3_x86_128(%j) matches the reference implementation', (input, hex) => {
    expect(digestToHex(murmur3_x86_128(input))).toBe(hex);
  });

  it('murmur3_64 is the digest’s first two words as one unsigned 64-bit integer', () => {
    expect(murmur3_64('Hello, world!')).toBe(0x26acdba7f0638dfcn);
  });
});

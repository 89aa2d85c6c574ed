/**
 * Keys and values are bytes, as in Redis and LevelDB. Inside the store they
 * travel as "byte strings": JS strings holding one char per byte (code
 * units 0..255, Node's `latin1`). They are binary-safe, cheap to slice and
 * hash, and `<` on them is byte order (memcmp), the order LevelDB's default
 * comparator gives. Text from HTTP is turned into its UTF-8 bytes at the
 * edge; bytes that are not UTF-8 are shown to HTTP clients as base64.
 */
export type ByteString = string;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');

/** The UTF-8 bytes of `text`, as a byte string. */
export function fromText(text: string): ByteString {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export function fromBytes(bytes: Uint8Array): ByteString {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function toBytes(s: ByteString): Uint8Array {
  return Buffer.from(s, 'latin1');
}

/** The text the bytes spell in UTF-8, or undefined when they are not valid UTF-8. */
export function asText(s: ByteString): string | undefined {
  try {
    return strictUtf8.decode(toBytes(s));
  } catch {
    return undefined;
  }
}

/**
 * How HTTP shows bytes: the UTF-8 text, and when the bytes are not UTF-8,
 * the text with U+FFFD for each bad sequence plus the exact bytes in base64.
 */
export function displayOf(s: ByteString): { text: string; base64?: string } {
  const text = asText(s);
  if (text !== undefined) return { text };
  const bytes = toBytes(s);
  return { text: lossyUtf8.decode(bytes), base64: Buffer.from(bytes).toString('base64') };
}

/** Display text only (live view, SSTable key ranges): lossy where the bytes are not UTF-8. */
export function displayText(s: ByteString): string {
  return displayOf(s).text;
}

/** Bytes given in base64 by an HTTP client (`keyEncoding=base64`); undefined when not canonical base64. */
export function fromBase64(text: string): ByteString | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
  return Buffer.from(text, 'base64').toString('latin1');
}

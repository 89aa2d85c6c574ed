/**
 * The limits a send is checked against before anything is written. Bytes,
 * not characters: the stream stores UTF-8, and one emoji is four bytes.
 */

const encoder = new TextEncoder();

/** UTF-8 size of a message text. */
export function textSizeBytes(text: string): number {
  return encoder.encode(text).length;
}

/** Whether a text is over the configured size (answered with 413). */
export function isTextTooLarge(text: string, maxTextBytes: number): boolean {
  return textSizeBytes(text) > maxTextBytes;
}

/** `Retry-After` in whole seconds from the rate window's remaining milliseconds; never 0. */
export function retryAfterSeconds(remainingMs: number): number {
  return Math.max(1, Math.ceil(remainingMs / 1000));
}

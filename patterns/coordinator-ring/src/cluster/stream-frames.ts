import { StringDecoder } from 'node:string_decoder';

/**
 * The wire format of a peer stream: one message per line, each way. JSON never holds a raw tab or
 * newline (JSON.stringify escapes them inside strings), so a tab splits a line's two fields and a
 * newline ends it.
 *
 *   request  `<signature>\t<JSON body>\n`  (signature as the x-cluster-signature header; empty when off)
 *   answer   `<HTTP status>\t<JSON body>\n`, in the order the requests came
 */
export const streamProtocol = 'kvs-lab-peer-stream';

/** Where the stream for one kind of message opens: `/internal/append-entries` -> `/internal/streams/append-entries`. */
export const streamPathOf = (messagePath: string): string =>
  messagePath.replace(/^\/internal\//, '/internal/streams/');

export const requestFrame = (signature: string, bodyText: string): string => `${signature}\t${bodyText}\n`;
export const answerFrame = (status: number, bodyText: string): string => `${status}\t${bodyText}\n`;

/** A line's two fields; `undefined` when it has no tab. */
export function splitFrame(line: string): { readonly head: string; readonly bodyText: string } | undefined {
  const tab = line.indexOf('\t');
  return tab < 0 ? undefined : { head: line.slice(0, tab), bodyText: line.slice(tab + 1) };
}

/** Cuts a byte stream into lines; a line longer than `maxLineChars` is an error, not a buffer without end. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  /** The start of a line whose end has not come yet, in pieces (joined once, when it ends). */
  private partial: string[] = [];
  private partialChars = 0;
  private readonly maxLineChars: number;

  constructor(maxLineChars: number) {
    this.maxLineChars = maxLineChars;
  }

  /** The lines that `chunk` completes; throws on an overlong line. */
  push(chunk: Buffer): string[] {
    const text = this.decoder.write(chunk);
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      this.partial.push(text);
      this.partialChars += text.length;
      if (this.partialChars > this.maxLineChars) {
        throw new Error(`a stream line is longer than ${this.maxLineChars} characters`);
      }
      return [];
    }
    const lines = (this.partial.join('') + text.slice(0, last)).split('\n');
    const rest = text.slice(last + 1);
    this.partial = rest === '' ? [] : [rest];
    this.partialChars = rest.length;
    return lines;
  }
}

import { formatPinoLine } from './pino-line.ts';

/**
 * Interleaved output of every process the lab runs, one prefixed line at a
 * time, one colour per process so a learner can follow a fault across nodes.
 */

// Cyan, magenta, yellow, green, blue and their bright variants: red is kept for the runner's errors.
const palette = [36, 35, 33, 32, 34, 96, 95, 93, 92, 94] as const;
const labName = 'lab';

export interface LogPrinterOptions {
  readonly out: NodeJS.WritableStream;
  readonly isColor: boolean;
  /** Every process name, to align the prefixes. */
  readonly names: readonly string[];
}

/** Colour only for a terminal that wants it (NO_COLOR, FORCE_COLOR, TERM=dumb respected). */
export function shouldUseColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY && env.TERM !== 'dumb';
}

export class LogPrinter {
  readonly #out: NodeJS.WritableStream;
  readonly #isColor: boolean;
  readonly #width: number;
  readonly #colors = new Map<string, number>();

  constructor(options: LogPrinterOptions) {
    this.#out = options.out;
    this.#isColor = options.isColor;
    this.#width = Math.max(labName.length, ...options.names.map((name) => name.length));
    options.names.forEach((name, i) => this.#colors.set(name, palette[i % palette.length] ?? 0));
  }

  /** One line a process printed. */
  line(source: string, text: string): void {
    this.#write(source, this.#colors.get(source) ?? 0, formatPinoLine(text));
  }

  /** A message from the runner itself. */
  info(text: string): void {
    this.#write(labName, 1, text);
  }

  error(text: string): void {
    for (const line of text.split('\n')) this.#write(labName, 31, line);
  }

  /** Text printed as is, e.g. the URL table. */
  raw(text: string): void {
    this.#out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  #write(source: string, color: number, text: string): void {
    const prefix = `${source.padEnd(this.#width)} |`;
    this.#out.write(`${this.#isColor ? `\u001b[${color}m${prefix}\u001b[0m` : prefix} ${text}\n`);
  }
}

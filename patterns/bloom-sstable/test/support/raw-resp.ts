import net from 'node:net';

/** A reply as bytes: bulk strings stay Buffers, so tests see exactly what the server sent. */
export type RawReply = Buffer | string | number | null | RawReplyError | RawReply[];

export class RawReplyError extends Error {
  override readonly name = 'RawReplyError';
}

/** One command as RESP2 multibulk bytes. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses one reply at `at`; undefined when the buffer does not hold it whole yet. */
function parseReply(data: Buffer, at: number): { reply: RawReply; next: number } | undefined {
  const end = data.indexOf('\r\n', at);
  if (end === -1) return undefined;
  const line = data.toString('latin1', at + 1, end);
  switch (String.fromCharCode(data[at] ?? 0)) {
    case '+':
      return { reply: line, next: end + 2 };
    case '-':
      return { reply: new RawReplyError(line), next: end + 2 };
    case ':':
      return { reply: Number(line), next: end + 2 };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, next: end + 2 };
      if (data.length < end + 2 + length + 2) return undefined;
      return { reply: data.subarray(end + 2, end + 2 + length), next: end + 2 + length + 2 };
    }
    case '*': {
      const items: RawReply[] = [];
      let next = end + 2;
      for (let i = 0; i < Number(line); i++) {
        const item = parseReply(data, next);
        if (!item) return undefined;
        items.push(item.reply);
        next = item.next;
      }
      return { reply: items, next };
    }
    default:
      throw new Error(`not a RESP reply: ${line}`);
  }
}

/** A connection that sends raw bytes and reads replies in order. */
export class RawRespClient {
  private readonly socket: net.Socket;
  private data: Buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private isClosed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.data = this.data.length === 0 ? chunk : Buffer.concat([this.data, chunk]);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.isClosed = true;
      this.waiting?.();
    });
  }

  static connect(port: number): Promise<RawRespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawRespClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes bytes as they are (a pipeline of many commands, or a deliberately broken frame). */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Reads `count` replies, in order. */
  async read(count: number): Promise<RawReply[]> {
    const replies: RawReply[] = [];
    let offset = 0;
    while (replies.length < count) {
      const parsed = parseReply(this.data, offset);
      if (parsed) {
        replies.push(parsed.reply);
        offset = parsed.next;
        continue;
      }
      this.data = this.data.subarray(offset);
      offset = 0;
      if (this.isClosed) throw new Error(`connection closed after ${replies.length} of ${count} replies`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    this.data = this.data.subarray(offset);
    return replies;
  }

  async call(...args: (string | Buffer)[]): Promise<RawReply> {
    this.write(encodeCommand(args));
    const [reply] = await this.read(1);
    return reply ?? null;
  }

  close(): void {
    this.socket.destroy();
  }
}

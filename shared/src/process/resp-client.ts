import net from 'node:net';

/**
 * A one-command RESP2 client over a raw TCP socket: enough to probe and steer
 * redis-server (PING, SHUTDOWN, INFO, SET/GET in tests) without loading ioredis,
 * and with no reconnects or queues that would hide a fault.
 */

/** An error reply (`-ERR ...`) from the server. */
export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
}

/** No reply within the deadline: the command may or may not have run. */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';
}

export type RespValue = string | number | null | RedisReplyError | readonly RespValue[];

export interface RedisCommandOptions {
  readonly host?: string;
  /** Deadline for connect plus reply. */
  readonly timeoutMs?: number;
}

interface Parsed {
  readonly value: RespValue;
  readonly next: number;
}

const crlf = '\r\n';

export function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}${crlf}`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}${crlf}${arg}${crlf}`);
  return Buffer.from(parts.join(''));
}

/** Parses one reply starting at `offset`; undefined while the buffer holds only part of it. */
export function parseReply(buffer: Buffer, offset = 0): Parsed | undefined {
  const lineEnd = buffer.indexOf(crlf, offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: afterLine };
    case '-':
      return { value: new RedisReplyError(line), next: afterLine };
    case ':':
      return { value: Number(line), next: afterLine };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next: afterLine };
      if (buffer.length < afterLine + length + 2) return undefined;
      return { value: buffer.toString('utf8', afterLine, afterLine + length), next: afterLine + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespValue[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP type byte '${type}'`);
  }
}

/**
 * Sends one command on a fresh connection and resolves with its reply.
 * Rejects with RedisReplyError on an error reply, RedisTimeoutError after
 * `timeoutMs`, or the socket error (e.g. ECONNREFUSED) when nothing listens.
 */
export function sendRedisCommand(
  port: number,
  args: readonly string[],
  options: RedisCommandOptions = {},
): Promise<RespValue> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? 2_000;
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    let isSettled = false;
    const socket = net.connect({ host, port });
    const settle = (outcome: () => void): void => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const timer = setTimeout(() => {
      settle(() =>
        reject(new RedisTimeoutError(`${args[0] ?? ''} to ${host}:${port}: no reply within ${timeoutMs} ms`)),
      );
    }, timeoutMs);
    socket.on('connect', () => socket.write(encodeCommand(args)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      let parsed: Parsed | undefined;
      try {
        parsed = parseReply(received);
      } catch (error) {
        settle(() => reject(error instanceof Error ? error : new Error(String(error))));
        return;
      }
      if (!parsed) return;
      const { value } = parsed;
      settle(() => (value instanceof RedisReplyError ? reject(value) : resolve(value)));
    });
    socket.on('error', (error) => settle(() => reject(error)));
    socket.on('close', () =>
      settle(() => reject(new Error(`${host}:${port} closed the connection before replying`))),
    );
  });
}

/** True when the server answers PING with PONG within the deadline (not while it is still LOADING). */
export async function pingRedis(port: number, options: RedisCommandOptions = {}): Promise<boolean> {
  try {
    return (await sendRedisCommand(port, ['PING'], options)) === 'PONG';
  } catch {
    return false;
  }
}

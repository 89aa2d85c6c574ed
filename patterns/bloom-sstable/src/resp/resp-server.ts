import net from 'node:net';
import { defaultRespLimits } from '@kvs-lab/shared/resp';
import type { AddressInfo } from 'node:net';
import type { ByteString } from '../domain/byte-string.ts';
import type { LsmService } from '../lsm-service.ts';
import type { CommandReply } from './resp-commands.ts';
import { runCommand } from './resp-commands.ts';
import { parseFrame, wire } from './resp-wire.ts';
import { ScanCursors } from './scan-cursors.ts';

/** One command may not hold more than this in memory while it arrives (1024 args x 512 KiB would be 512 MiB). */
export const maxCommandBytes = 2 * 1024 * 1024;
/** Parsed-but-not-run bytes a connection may queue before the server stops reading it (TCP then slows the client). */
const readHighWaterBytes = 1024 * 1024;
/** Consecutive SETs run together so one WAL fsync covers them (group commit), at most this many. */
const maxWriteBatch = 1024;

export interface RespServer {
  readonly port: number;
  /** The address it listens on. */
  readonly host: string;
  connections(): number;
  close(): Promise<void>;
}

/**
 * A TCP server speaking RESP2, so `redis-cli -p <port>` (and `--pipe`) talks
 * to this store. Commands on one connection take effect in order and are
 * answered in order; a run of pipelined SETs is handed to the store together
 * so it can commit them with one fsync. The size limit applies to one
 * command, not to the pipelined backlog; the server stops reading a client
 * whose backlog or unsent replies grow (TCP backpressure), instead of
 * buffering without bound. A malformed frame gets one error reply and the
 * connection is closed; the server and every other connection carry on.
 */
export async function startRespServer(
  lsm: LsmService,
  options: {
    port: number;
    /** 127.0.0.1 unless configured: the lab does not offer the store to the network by default. */
    host?: string;
    limits: { maxKeyBytes: number; maxValueBytes: number };
    info: () => string;
  },
): Promise<RespServer> {
  const sockets = new Set<net.Socket>();
  const cursors = new ScanCursors();
  let nextClient = 1;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const context = { client: `resp:${nextClient++}`, limits: options.limits, info: options.info, cursors };
    let buffer: Buffer = Buffer.alloc(0);
    const arrived: Buffer[] = [];
    let arrivedBytes = 0;
    let isBusy = false;
    let isClosing = false;

    const send = async (reply: ByteString): Promise<void> => {
      if (!socket.writable || reply.length === 0) return;
      if (!socket.write(reply, 'latin1')) {
        // The client reads slower than we answer: wait, and read nothing more meanwhile.
        await new Promise<void>((resolve) => {
          socket.once('drain', resolve);
          socket.once('close', resolve);
        });
      }
    };
    const run = (args: ByteString[]): Promise<CommandReply> =>
      runCommand(lsm, args, context).catch((error: unknown) => ({
        reply: wire.error(`ERR ${error instanceof Error ? error.message : 'internal error'}`),
      }));
    const takeArrived = (): void => {
      if (arrived.length === 0) return;
      buffer = Buffer.concat([buffer, ...arrived.splice(0)]);
      arrivedBytes = 0;
    };

    const drain = async (): Promise<void> => {
      if (isBusy) return;
      isBusy = true;
      try {
        while (!isClosing) {
          takeArrived();
          const commands: ByteString[][] = [];
          let offset = 0;
          let problem: string | undefined;
          // Everything complete in the buffer now; what is left is one partial command.
          for (;;) {
            const parsed = parseFrame(buffer, offset, defaultRespLimits);
            if (parsed.kind === 'incomplete') break;
            if (parsed.kind === 'malformed') {
              problem = parsed.message;
              break;
            }
            offset = parsed.next;
            if (parsed.args.length > 0) commands.push(parsed.args);
          }
          buffer = buffer.subarray(offset);
          if (problem === undefined && buffer.length > maxCommandBytes) {
            problem = 'Protocol error: command larger than 2 MiB';
          }
          await runInOrder(commands);
          if (problem !== undefined && !isClosing) {
            isClosing = true;
            socket.end(wire.error(`ERR ${problem}`), 'latin1');
          }
          if (commands.length === 0 && arrived.length === 0) break;
        }
      } finally {
        isBusy = false;
        if (!isClosing && socket.isPaused()) socket.resume();
      }
    };

    /** Runs commands in order; consecutive SETs go to the store together, their replies still in order. */
    const runInOrder = async (commands: ByteString[][]): Promise<void> => {
      for (let i = 0; i < commands.length && !isClosing;) {
        const args = commands[i] ?? [];
        if (args[0]?.toUpperCase() !== 'SET') {
          const r = await run(args);
          await send(r.reply);
          if (r.shouldClose) {
            isClosing = true;
            socket.end();
          }
          i += 1;
          continue;
        }
        let end = i;
        while (
          end < commands.length &&
          end - i < maxWriteBatch &&
          commands[end]?.[0]?.toUpperCase() === 'SET'
        )
          end += 1;
        // The store assigns seqs in call order, so SETs to one key still apply in the order sent.
        const replies = await Promise.all(commands.slice(i, end).map((c) => run(c)));
        await send(replies.map((r) => r.reply).join(''));
        i = end;
      }
    };

    socket.on('data', (chunk: Buffer) => {
      if (isClosing) return;
      arrived.push(chunk);
      arrivedBytes += chunk.length;
      if (isBusy && arrivedBytes > readHighWaterBytes) socket.pause();
      void drain();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    host: (server.address() as AddressInfo).address,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

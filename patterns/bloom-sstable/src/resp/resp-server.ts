import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { defaultRespLimits, parseCommand, resp } from '@kvs-lab/shared/resp';
import type { LsmService } from '../lsm-service.ts';
import { runCommand } from './resp-commands.ts';

const maxPendingBytes = 2 * 1024 * 1024;

export interface RespServer {
  readonly port: number;
  connections(): number;
  close(): Promise<void>;
}

/**
 * A TCP server speaking RESP2, so `redis-cli -p <port>` talks to this store.
 * Commands on one connection run one at a time, in order (clients pipeline).
 * A malformed frame gets one error reply and the connection is closed; the
 * server and every other connection carry on.
 */
export async function startRespServer(
  lsm: LsmService,
  options: {
    port: number;
    host?: string;
    limits: { maxKeyBytes: number; maxValueBytes: number };
    info: () => string;
  },
): Promise<RespServer> {
  const sockets = new Set<net.Socket>();
  let nextClient = 1;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const client = `resp:${nextClient++}`;
    let buffer: Buffer = Buffer.alloc(0);
    let isBusy = false;
    let isClosing = false;

    const drain = async (): Promise<void> => {
      if (isBusy) return;
      isBusy = true;
      try {
        while (!isClosing) {
          const parsed = parseCommand(buffer, 0, defaultRespLimits);
          if (parsed.kind === 'incomplete') break;
          if (parsed.kind === 'malformed') {
            isClosing = true;
            socket.end(resp.error(`ERR ${parsed.message}`));
            break;
          }
          buffer = buffer.subarray(parsed.next);
          if (parsed.args.length === 0) continue;
          let reply;
          try {
            reply = await runCommand(lsm, parsed.args, {
              client,
              limits: options.limits,
              info: options.info,
            });
          } catch (error) {
            reply = { reply: resp.error(`ERR ${error instanceof Error ? error.message : 'internal error'}`) };
          }
          if (socket.writable) socket.write(reply.reply);
          if (reply.shouldClose) {
            isClosing = true;
            socket.end();
          }
        }
      } finally {
        isBusy = false;
      }
    };

    socket.on('data', (chunk: Buffer) => {
      if (isClosing) return;
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      // One command may not hold more than this in memory while it arrives (the parser alone allows 1024 x 512 KiB).
      if (buffer.length > maxPendingBytes) {
        isClosing = true;
        socket.end(resp.error('ERR Protocol error: command larger than 2 MiB'));
        return;
      }
      void drain();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

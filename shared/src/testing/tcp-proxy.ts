import net from 'node:net';

export interface TcpProxyOptions {
  readonly targetPort: number;
  readonly targetHost?: string;
  /** Port to listen on; a free loopback port by default. */
  readonly port?: number;
}

/**
 * A loopback TCP proxy that puts link faults between a service and Redis
 * without touching either process.
 */
export interface TcpProxy {
  readonly port: number;
  /** Bytes in both directions arrive `ms` later than sent (order kept). 0 turns it off. */
  setDelay(ms: number): void;
  /** Destroys every open connection and refuses new ones (ECONNREFUSED), like a dead host. */
  cut(): Promise<void>;
  /**
   * Keeps connections open and accepts new ones but forwards nothing, like a
   * paused peer. What was held is delivered on heal(), as a resumed process would read it.
   */
  blackhole(): Promise<void>;
  /** Back to forwarding: listens again after cut(), releases what blackhole() held. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

type LinkMode = 'open' | 'blackhole' | 'cut';

/** One direction of one connection: keeps chunk order whatever the delay does. */
class Pipe {
  readonly sink: net.Socket;
  readonly held: Buffer[] = [];
  lastDueAt = 0;

  constructor(sink: net.Socket) {
    this.sink = sink;
  }

  forward(chunk: Buffer, delayMs: number): void {
    const now = performance.now();
    const dueAt = Math.max(now + delayMs, this.lastDueAt);
    this.lastDueAt = dueAt;
    if (dueAt <= now) {
      if (!this.sink.destroyed) this.sink.write(chunk);
      return;
    }
    setTimeout(() => {
      if (!this.sink.destroyed) this.sink.write(chunk);
    }, dueAt - now);
  }
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error('proxy: could not read its port'));
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Starts the proxy, forwarding `127.0.0.1:<port>` to the target. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  const pipes = new Set<Pipe>();
  let mode: LinkMode = 'open';
  let delayMs = 0;

  const relay = (source: net.Socket, pipe: Pipe): void => {
    source.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') pipe.held.push(chunk);
      else pipe.forward(chunk, delayMs);
    });
  };

  const onConnection = (client: net.Socket): void => {
    const upstream = net.connect({ host: targetHost, port: options.targetPort });
    const connection = [client, upstream];
    const toUpstream = new Pipe(upstream);
    const toClient = new Pipe(client);
    for (const socket of connection) {
      sockets.add(socket);
      socket.setNoDelay(true);
      // Either side failing ends the whole connection, as a broken link would.
      socket.on('error', () => connection.forEach((s) => s.destroy()));
      socket.on('close', () => {
        sockets.delete(socket);
        connection.forEach((s) => s.destroy());
        pipes.delete(toUpstream);
        pipes.delete(toClient);
      });
    }
    pipes.add(toUpstream);
    pipes.add(toClient);
    relay(client, toUpstream);
    relay(upstream, toClient);
  };

  let server = net.createServer(onConnection);
  const port = await listen(server, options.port ?? 0);

  const destroyAll = (): void => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    pipes.clear();
  };

  return {
    port,
    setDelay(ms: number) {
      delayMs = Math.max(0, ms);
    },
    async cut() {
      if (mode === 'cut') return;
      mode = 'cut';
      const closing = closeServer(server);
      destroyAll();
      await closing;
    },
    async blackhole() {
      if (mode === 'cut') {
        server = net.createServer(onConnection);
        await listen(server, port);
      }
      mode = 'blackhole';
    },
    async heal() {
      if (mode === 'cut') {
        server = net.createServer(onConnection);
        await listen(server, port);
      }
      mode = 'open';
      for (const pipe of pipes) {
        for (const chunk of pipe.held.splice(0)) pipe.forward(chunk, delayMs);
      }
    },
    async close() {
      const closing = mode === 'cut' ? Promise.resolve() : closeServer(server);
      mode = 'cut';
      destroyAll();
      await closing;
    },
  };
}

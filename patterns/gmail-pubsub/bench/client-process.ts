/**
 * The bench's socket.io clients, in a process of their own: a hundred clients parsing pushes and sending
 * acknowledgements cost about a third of the CPU of a fan-out, and on the servers' event loop they queued
 * behind (and ahead of) the very pushes whose latency they measure. Driven by bench/client-fleet.ts over IPC.
 */
import type { Socket } from 'socket.io-client';
import { connectClients, DeliveryMeter } from './fanout-clients.ts';
import type { FleetReply, FleetRequest } from './client-fleet.ts';

const meter = new DeliveryMeter();
const sockets: Socket[] = [];

async function handle(request: FleetRequest): Promise<unknown> {
  switch (request.op) {
    case 'connect': {
      const { url, namespace, count, auth, event, clock, subscribe } = request;
      const connected = await connectClients({
        url,
        namespace,
        count,
        ...(auth ? { auth } : {}),
        event,
        sentAtOf: (payload) =>
          clock === 'subject'
            ? Number((payload as { subject: string }).subject)
            : (payload as { sentAt: number }).sentAt,
        meter,
      });
      if (subscribe !== undefined)
        await Promise.all(
          connected.map((socket) => socket.emitWithAck('topics:subscribe', { topic: subscribe })),
        );
      sockets.push(...connected);
      return connected.length;
    }
    case 'start':
      meter.start();
      return null;
    case 'count':
      return meter.count;
    case 'stop':
      return meter.stop();
    case 'close':
      for (const socket of sockets) socket.disconnect();
      return null;
  }
}

process.on('message', (request: FleetRequest) => {
  handle(request).then(
    (result) => process.send?.({ id: request.id, result } satisfies FleetReply),
    (error: unknown) => process.send?.({ id: request.id, error: String(error) } satisfies FleetReply),
  );
});
// The bench is gone (or crashed): nothing is left to measure for.
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, result: 'ready' } satisfies FleetReply);

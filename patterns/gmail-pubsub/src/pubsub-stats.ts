import type { Fanout, Unavailable } from './engines/fanout.ts';
import type { DeliveryCounters, GatewaySettings } from './realtime/gateway-types.ts';

/** What this instance counts: the engine's deliveries and the service's own publishes. */
export type PubsubCounters = DeliveryCounters & { mailPublished: number; postsPublished: number };

export function newCounters(): PubsubCounters {
  return {
    mailPublished: 0,
    postsPublished: 0,
    received: 0,
    delivered: 0,
    filteredOut: 0,
    dropped: 0,
    disconnectedSlow: 0,
    gapsReported: 0,
    syncs: 0,
    historyExpired: 0,
    refused: 0,
    recovered: 0,
  };
}

/** GET /stats: a figure the engine cannot count is null, with the reason in `unavailable`. */
export interface PubsubStats {
  instance: string;
  engine: string;
  published: { mail: number; posts: number };
  receivedFromRedis: number;
  delivered: number | null;
  filteredOut: number | null;
  dropped: number | null;
  disconnectedSlow: number;
  slowClients: number;
  queued: number;
  sockets: number;
  gapsReported: number;
  syncs: number;
  historyExpired: number;
  refused: number;
  recovered: number;
  subscriber: ReturnType<Fanout['health']>;
  backpressure: GatewaySettings['outbox'];
  unavailable: Unavailable;
}

/** This instance's figures, from its counters and what the engine reports now. */
export function statsOf(
  source: { instance: string; engine: string; backpressure: GatewaySettings['outbox'] },
  c: PubsubCounters,
  fanout: Fanout,
): PubsubStats {
  const clients = fanout.clients();
  const { unavailable } = fanout;
  const counted = (name: keyof Unavailable, value: number) =>
    unavailable[name] === undefined ? value : null;
  return {
    instance: source.instance,
    engine: source.engine,
    published: { mail: c.mailPublished, posts: c.postsPublished },
    receivedFromRedis: c.received,
    delivered: counted('delivered', c.delivered),
    filteredOut: counted('filteredOut', c.filteredOut),
    dropped: counted('dropped', c.dropped),
    disconnectedSlow: c.disconnectedSlow,
    slowClients: clients.filter((client) => client.isSlow).length,
    queued: clients.reduce((sum, client) => sum + client.queueDepth, 0),
    sockets: clients.length,
    gapsReported: c.gapsReported,
    syncs: c.syncs,
    historyExpired: c.historyExpired,
    refused: c.refused,
    recovered: c.recovered,
    subscriber: fanout.health(),
    backpressure: source.backpressure,
    unavailable,
  };
}

import { mailboxTopic } from '../../domain/names.ts';
import type { ClientSession } from '../../realtime/client-session.ts';
import type { ChannelTarget } from '../../store/keys.ts';
import { channels } from '../../store/keys.ts';
import type { NotificationBus } from './notification-bus.ts';

type RoutingTable = Map<string, Set<ClientSession>>;

/**
 * Which sockets of this instance listen on which Redis channel: mailboxes by user, shared topics by name.
 * One Redis subscription per channel per instance, however many sockets share it (reference-counted).
 */
export class SubscriptionRoutes {
  private readonly mailboxRoutes: RoutingTable = new Map();
  private readonly topicRoutes: RoutingTable = new Map();
  private readonly bus: NotificationBus;

  constructor(bus: NotificationBus) {
    this.bus = bus;
  }

  /** The sockets a notification on `target` may reach (each still judged by its own subscription). */
  sessionsOf(target: ChannelTarget): ReadonlySet<ClientSession> | undefined {
    return target.kind === 'mailbox'
      ? this.mailboxRoutes.get(target.userId)
      : this.topicRoutes.get(target.topic);
  }

  /** The Redis channel a socket's topic comes from: its own mailbox's, or the shared topic's. */
  channelOf(session: ClientSession, topic: string): string {
    return this.routeOf(session, topic)[2];
  }

  /** Routes the channel to the socket; true when this made the instance SUBSCRIBE to it. */
  async add(session: ClientSession, topic: string): Promise<boolean> {
    const [routes, key, channel] = this.routeOf(session, topic);
    const set = routes.get(key) ?? new Set<ClientSession>();
    set.add(session);
    routes.set(key, set);
    if (set.size !== 1) return false;
    await this.bus.add(channel);
    return true;
  }

  /** Stops routing the channel to the socket; the last socket to leave releases the Redis subscription. */
  async remove(session: ClientSession, topic: string): Promise<void> {
    const [routes, key, channel] = this.routeOf(session, topic);
    const set = routes.get(key);
    if (!set?.delete(session)) return;
    if (set.size === 0) {
      routes.delete(key);
      await this.bus.release(channel);
    }
  }

  /** Where a socket's topic is routed from: the routing table, its key there, and the Redis channel. */
  private routeOf(session: ClientSession, topic: string): [RoutingTable, string, string] {
    return topic === mailboxTopic
      ? [this.mailboxRoutes, session.userId, channels.mailbox(session.userId)]
      : [this.topicRoutes, topic, channels.topic(topic)];
  }
}

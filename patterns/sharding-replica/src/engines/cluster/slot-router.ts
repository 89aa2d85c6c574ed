import { isAppError } from '@kvs-lab/shared/service';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChainableCommander } from 'ioredis';
import { RedisNode } from '@kvs-lab/shared/redis';

import { hashSlot } from '../../domain/hash-slot.ts';
import type { ItemScript } from '../../store/item-scripts.ts';
import { parseClusterSlots, parseRedirection, rangeOfSlot } from '../../domain/slot-map.ts';
import type { SlotRange } from '../../domain/slot-map.ts';
import { AppError } from '../../errors.ts';

const maxRedirections = 5;
const tryAgainDelayMs = 20;

/**
 * A cluster-aware client over the kit's per-node connections (so `/chaos` links and the fail-fast
 * timeouts apply to each node): it keeps the slot map, sends each command to the slot's master (or,
 * for eventual reads, its replica after READONLY), follows MOVED (the slot moved: refresh the map) and
 * ASK (the key is mid-migration: ASKING, then once on the importing node), and counts both.
 */
export class SlotRouter {
  ranges: readonly SlotRange[] = [];
  readonly redirections = { moved: 0, ask: 0, tryAgain: 0 };
  /** Hears each MOVED or ASK answer: who answered, where it sent the client, for which slot. */
  onRedirect: (answer: { kind: 'MOVED' | 'ASK'; by: string; to: string; slot: number }) => void = () =>
    undefined;
  private readonly byAddress: ReadonlyMap<string, RedisNode>;
  private readonly admin = new Map<string, RedisNode>();
  private refreshing: Promise<void> | undefined;
  private readonly adminTimeoutMs: number;

  constructor(nodes: readonly RedisNode[], adminTimeoutMs: number) {
    this.byAddress = new Map(nodes.map((n) => [addressOf(n), n]));
    this.adminTimeoutMs = adminTimeoutMs;
  }

  nodeAt(address: string): RedisNode {
    const node = this.byAddress.get(address);
    if (!node) {
      throw new AppError('REDIS_UNAVAILABLE', `The cluster names ${address}, which is not in REDIS_NODES.`, {
        extras: { node: address },
      });
    }
    return node;
  }

  /**
   * A connection for slow commands (WAIT, MIGRATE, SETSLOT) with a longer command timeout, one per
   * node, separate from the data path's so a blocking WAIT never holds up a GET.
   */
  async adminAt(address: string): Promise<RedisNode> {
    let node = this.admin.get(address);
    if (!node) {
      node = new RedisNode(this.nodeAt(address).address, { commandTimeoutMs: this.adminTimeoutMs });
      this.admin.set(address, node);
    }
    if (!node.isReady) await node.ready(1_000);
    return node;
  }

  /** Reads CLUSTER SLOTS from the first node that answers; concurrent calls share one refresh. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        for (const node of this.byAddress.values()) {
          try {
            const ranges = parseClusterSlots(await node.run((c) => c.call('CLUSTER', 'SLOTS')));
            if (ranges.length > 0) {
              this.ranges = ranges;
              return;
            }
          } catch {
            // That node is down or paused: ask the next one.
          }
        }
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** The slot's range in the client's map (it may be stale: the nodes correct it with MOVED). */
  rangeOf(key: string): { slot: number; range: SlotRange | undefined } {
    const slot = hashSlot(key);
    return { slot, range: rangeOfSlot(this.ranges, slot) };
  }

  /**
   * Sends one command (built on a pipeline) for `key` to the node that serves its slot, following
   * redirections. Returns the reply and the address that answered.
   */
  send<T>(
    key: string,
    role: 'master' | 'replica',
    build: (pipeline: ChainableCommander) => void,
    options: { isSlow?: boolean } = {},
  ): Promise<{ reply: T; address: string }> {
    return this.routed(key, role, async (node, address, isAsking) => {
      // A slow command (WAIT) goes on the admin connection; its link state is the data connection's.
      const connection = options.isSlow ? await this.adminAt(address) : node;
      const replies = await node.run(() => {
        const pipeline = connection.client.pipeline();
        if (role === 'replica') pipeline.readonly();
        if (isAsking) pipeline.asking();
        build(pipeline);
        return pipeline.exec();
      });
      const last = replies?.at(-1);
      if (!replies || !last) throw new AppError('REDIS_UNAVAILABLE', `${node.name}: no reply.`);
      // Every reply is looked at, not only the last: a SET refused (CLUSTERDOWN from a master that has
      // just restarted, MOVED, LOADING) followed by a WAIT that counts the replica would otherwise
      // acknowledge a write nobody applied. The redirection loop takes the first error.
      for (const [error] of replies) if (error) throw error;
      return last[1] as T;
    });
  }

  /** Runs a Lua script on the master of `key`'s slot (every key of it in that slot), following redirections. */
  runScript<Result>(
    script: ItemScript<Result>,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<{ reply: Result; address: string }> {
    const [first] = keys;
    if (first === undefined) throw new Error('a routed script needs a key');
    return this.routed(first, 'master', (node, _address, isAsking) =>
      node.run(async (c) => {
        if (isAsking) {
          // The importing node may never have run it: EVALSHA would fail, and LuaScript's EVAL fallback
          // would go without ASKING. Loaded first, EVALSHA finds it; ASKING is written right before it.
          await c.script('LOAD', script.source);
          c.asking().catch(() => undefined);
        }
        return script.lua.run(c, keys, args);
      }),
    );
  }

  /** The redirection loop: MOVED refreshes the map, ASK retries once on the importing node, TRYAGAIN waits. */
  private async routed<T>(
    key: string,
    role: 'master' | 'replica',
    attempt: (node: RedisNode, address: string, isAsking: boolean) => Promise<T>,
  ): Promise<{ reply: T; address: string }> {
    const { slot, range } = this.rangeOf(key);
    if (!range) {
      void this.refresh();
      throw new AppError('REDIS_UNAVAILABLE', `No master serves slot ${slot} in the client's slot map.`, {
        extras: { slot },
      });
    }
    let address = role === 'replica' ? (range.replicas[0] ?? range.master) : range.master;
    let isAsking = false;
    for (let count = 0; count <= maxRedirections; count++) {
      try {
        return { reply: await attempt(this.nodeAt(address), address, isAsking), address };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (message.startsWith('TRYAGAIN')) {
          // A multi-key command while its keys are split between two nodes mid-migration: wait and retry.
          this.redirections.tryAgain += 1;
          await sleep(tryAgainDelayMs);
          continue;
        }
        if (message.startsWith('CROSSSLOT')) {
          throw new AppError(
            'CROSS_SLOT',
            'The keys of this request hash to different slots, so no single master holds them all: give them one hash tag `{...}`.',
            { extras: { slot } },
          );
        }
        const redirection = parseRedirection(message);
        if (!redirection) {
          if (isAppError(error) && error.code === 'REDIS_UNAVAILABLE') void this.refresh();
          throw error;
        }
        this.onRedirect({
          kind: redirection.kind === 'moved' ? 'MOVED' : 'ASK',
          by: address,
          to: redirection.address,
          slot,
        });
        if (redirection.kind === 'moved') {
          this.redirections.moved += 1;
          void this.refresh();
          isAsking = false;
        } else {
          this.redirections.ask += 1;
          isAsking = true;
        }
        address = redirection.address;
      }
    }
    throw new AppError('REDIS_UNAVAILABLE', `Slot ${slot}: more than ${maxRedirections} redirections.`, {
      extras: { slot },
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.admin.values()].map((n) => n.close()));
  }
}

export function addressOf(node: RedisNode): string {
  return `${node.address.host}:${node.address.port}`;
}

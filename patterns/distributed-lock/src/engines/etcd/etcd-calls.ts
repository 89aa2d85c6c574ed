import type { Etcd3, IKeyValue } from 'etcd3';
import type { LockConfig } from '../../config.ts';
import { RecentSamples } from '../../domain/percentiles.ts';
import type { NodeFigures, TraceMessages } from '../../lock-backend.ts';
import type { LiveEmit } from '../../realtime/events.ts';
import { etcdKeys, parseContender, prefixEnd } from './etcd-keys.ts';
import type { ContenderValue } from './etcd-keys.ts';

/** A call that failed: before anything was written (not applied) or while a write may have landed. */
export class EtcdCallError extends Error {
  readonly step: string;
  constructor(step: string, reason: string) {
    super(`${step}: ${reason}`);
    this.step = step;
  }
}

export const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** One contender key: its place in the queue (create revision) is its fencing token once it holds. */
export interface Contender {
  readonly key: string;
  readonly createRevision: number;
  readonly lease: string;
  readonly value: ContenderValue;
}

/** How the live view names a waiter: its place, its instance and its owner. */
export function waiterId(c: Contender | undefined): string {
  return `${c?.createRevision ?? 0}:${c?.value.instance ?? ''}:${c?.value.owner ?? ''}`;
}

const toContender = (kv: IKeyValue): Contender => ({
  key: kv.key.toString(),
  createRevision: Number(kv.create_revision),
  lease: kv.lease,
  value: parseContender(kv.value),
});

/**
 * Every etcd call of the engine, each with a deadline (a cluster without a
 * leader must not hold a request forever), traced as one message to `etcd`
 * and its answer, and counted for /stats.
 */
export class EtcdCalls {
  readonly client: Etcd3;
  private readonly config: LockConfig;
  private readonly emit: LiveEmit;
  private readonly trace: TraceMessages;
  private readonly figures = {
    calls: 0,
    errors: 0,
    lastError: null as string | null,
    latencyMs: new RecentSamples(500),
  };

  constructor(deps: { client: Etcd3; config: LockConfig; emit: LiveEmit; trace: TraceMessages }) {
    this.client = deps.client;
    this.config = deps.config;
    this.emit = deps.emit;
    this.trace = deps.trace;
  }

  /** Reads for the live view are left out of the trace (`isTraced` false): they are not the protocol. */
  async call<T>(
    step: string,
    run: (options: { deadline: number }) => Promise<T>,
    isTraced = true,
  ): Promise<T> {
    const me = this.config.instance;
    if (isTraced) this.trace([{ from: me, to: 'etcd', kind: step }]);
    const started = performance.now();
    this.figures.calls += 1;
    const options = { deadline: Date.now() + this.config.etcdCallTimeoutMs };
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        run(options),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.config.etcdCallTimeoutMs} ms`)),
            this.config.etcdCallTimeoutMs + 50,
          );
        }),
      ]);
      this.figures.latencyMs.add(performance.now() - started);
      if (isTraced) this.trace([{ from: 'etcd', to: me, kind: `${step}-ok` }]);
      return result;
    } catch (error) {
      if (isTraced)
        this.trace([
          { from: 'etcd', to: me, kind: 'unreachable', detail: { step, reason: reasonOf(error) } },
        ]);
      this.figures.errors += 1;
      this.figures.lastError = reasonOf(error);
      this.emit('node:fault', { node: 'etcd', reason: `${step}: ${reasonOf(error)}` });
      throw new EtcdCallError(step, reasonOf(error));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every contender for `resource`, holder first, and the cluster's revision now. */
  async contenders(resource: string, isTraced = true): Promise<{ all: Contender[]; revision: number }> {
    const prefix = etcdKeys.prefix(resource);
    const range = await this.call(
      'range',
      (o) =>
        this.client.kv.range(
          {
            key: Buffer.from(prefix),
            range_end: prefixEnd(prefix),
            sort_target: 'Create',
            sort_order: 'Ascend',
          },
          o,
        ),
      isTraced,
    );
    return { all: range.kvs.map(toContender), revision: Number(range.header.revision) };
  }

  /** The contender key of `token`, or null when it is gone (expired, released, never ours). */
  async findKey(resource: string, token: string): Promise<Contender | null> {
    const key = etcdKeys.contender(resource, token);
    const range = await this.call('get', (o) => this.client.kv.range({ key: Buffer.from(key) }, o));
    const kv = range.kvs[0];
    return kv ? toContender(kv) : null;
  }

  /** Renews a lease once; answers the TTL (seconds) it now has, 0 when it is gone. */
  async keepAlive(lease: string): Promise<number> {
    return this.call('keepalive', async (o) => {
      const stream = await this.client.leaseClient.leaseKeepAlive(o);
      try {
        const reply = new Promise<{ TTL: string }>((resolve, reject) => {
          stream.on('data', resolve);
          stream.on('error', reject);
        });
        stream.write({ ID: lease });
        return Number((await reply).TTL);
      } finally {
        stream.cancel();
      }
    });
  }

  /** What is left of a lease, in ms (0 when it is gone); null when etcd did not answer. */
  async leaseTtlMs(lease: string, isTraced = true): Promise<number | null> {
    const ttl = await this.call(
      'lease-ttl',
      (o) => this.client.leaseClient.leaseTimeToLive({ ID: lease }, o),
      isTraced,
    ).catch(() => null);
    return ttl ? Math.max(0, Number(ttl.TTL) * 1_000) : null;
  }

  /** Writes a marker into a contender's value (a release or extend through another instance), under its lease. */
  async mark(step: string, contender: Contender, value: ContenderValue): Promise<void> {
    await this.call(step, (o) =>
      this.client.kv.put(
        {
          key: Buffer.from(contender.key),
          value: Buffer.from(JSON.stringify(value)),
          lease: contender.lease,
        },
        o,
      ),
    );
  }

  /** The cluster as one node, for /stats and /metrics. */
  figuresOf(): NodeFigures {
    return {
      node: 'etcd',
      isUp: this.figures.lastError === null || this.figures.latencyMs.summary().count > 0,
      calls: this.figures.calls,
      errors: this.figures.errors,
      lastError: this.figures.lastError,
      latencyMs: this.figures.latencyMs.summary(),
    };
  }
}

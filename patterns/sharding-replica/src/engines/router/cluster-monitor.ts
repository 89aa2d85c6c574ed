import { adoptRoles, demotedMasterAction, failoverAction, rejoinAction } from '../../domain/failover-rule.ts';
import type { RoleReport } from '../../domain/failover-rule.ts';
import { observePing } from '../../domain/failure-detector.ts';
import { promoteReplica, shardOfNode } from '../../domain/shard-map.ts';
import type { Shard } from '../../domain/shard-map.ts';
import type { ClusterState } from './cluster-state.ts';
import type { RouterLog } from '../../router-log.ts';
import type { Emit, FailoverEvent } from '../../realtime/events.ts';
import { routerNode } from '../../protocol-trace.ts';
import type { TraceMessages } from '../../protocol-trace.ts';
import { nodeStore } from './node-store.ts';

export interface MonitorOptions {
  readonly pingIntervalMs: number;
  readonly missedPingsToFail: number;
  readonly monitorIntervalMs: number;
  readonly now: () => number;
  readonly emit: Emit;
  readonly logger: RouterLog;
  readonly trace: TraceMessages;
  /** Runs when a node misses a ping that counts towards its verdict, or is declared dead or alive. */
  readonly onHealthChange: () => void;
  /** Runs after each INFO sample: stats, autoscaling, the live view. */
  readonly onSample: () => Promise<void>;
  /**
   * Who promotes. Absent: this router does (its detector, REPLICAOF NO ONE, rejoins). Given: another
   * authority (Redis Sentinel) decides, and the monitor only follows whom it names as each shard's master.
   */
  readonly externalPromotion?: ExternalPromotion;
}

/** A failover authority outside the router: asked each sample which node is a shard's master. */
export interface ExternalPromotion {
  /** Who decides, for the failover record, e.g. `Sentinel quorum`. */
  readonly decidedBy: string;
  /** The node name the authority holds as the shard's master now, or undefined when it cannot say. */
  masterOf(shard: Shard): Promise<string | undefined>;
}

/**
 * The router's watch over the shards. Every ping interval it pings every
 * node, feeds the failure detector, and promotes a replica whose master is
 * declared dead. Every monitor interval it reads INFO replication for the
 * lag, makes any node that is not its shard's master follow that master
 * (a restarted old master rejoins as a replica), and samples key counts.
 */
export class ClusterMonitor {
  private readonly promoting = new Set<string>();
  private pingTimer: NodeJS.Timeout | undefined;
  private infoTimer: NodeJS.Timeout | undefined;
  private lastInfoAt: number;
  private readonly pinging = new Set<string>();
  // Bumped by each promotion: INFO replies sampled before it describe roles that no longer hold.
  private roleChanges = 0;
  private isSampling = false;

  private readonly state: ClusterState;
  private readonly options: MonitorOptions;

  constructor(state: ClusterState, options: MonitorOptions) {
    this.state = state;
    this.options = options;
    this.lastInfoAt = options.now();
  }

  /** Adopts the roles Redis reports (a failover may predate this router), then starts the timers. */
  async start(): Promise<void> {
    for (const shard of this.state.map.shards) {
      if (shard.replica === undefined) continue;
      const [masterReport, replicaReport] = await Promise.all([
        this.roleOf(shard.master),
        this.roleOf(shard.replica),
      ]);
      const isEitherMaster = (r: RoleReport) => r.isReachable && r.role === 'master';
      // Both say master: only then do the failover epochs decide (see adoptRoles).
      const epochs =
        isEitherMaster(masterReport) && isEitherMaster(replicaReport)
          ? {
              master: await nodeStore.failoverEpoch(this.state.node(shard.master)),
              replica: await nodeStore.failoverEpoch(this.state.node(shard.replica)),
            }
          : undefined;
      const adopted = adoptRoles(shard, masterReport, replicaReport, epochs);
      if (epochs) {
        this.options.logger.warn(
          { shard: shard.id, epochs, master: adopted.master },
          'both nodes of a shard say master: the higher failover epoch keeps the role',
        );
      }
      if (adopted !== shard) this.replaceShard(adopted);
    }
    await this.sample();
    this.pingTimer = setInterval(() => void this.pingAll(), this.options.pingIntervalMs);
    this.infoTimer = setInterval(() => void this.sample(), this.options.monitorIntervalMs);
  }

  stop(): void {
    clearInterval(this.pingTimer);
    clearInterval(this.infoTimer);
  }

  /**
   * One round of pings. Each node is pinged on its own, and its shard's
   * failover rule runs as soon as its answer (or timeout) is in, so a paused
   * node that takes the whole command timeout to fail slows no other shard.
   */
  async pingAll(): Promise<void> {
    await Promise.all([...this.state.nodes.values()].map((node) => this.pingOne(node.name)));
  }

  private async pingOne(name: string): Promise<void> {
    if (this.pinging.has(name)) return; // its last ping is still out: a slow node must not pile up pings
    this.pinging.add(name);
    try {
      const now = this.options.now();
      let isAnswered = true;
      try {
        await this.state.node(name).ping();
      } catch {
        isAnswered = false;
      }
      const before = this.state.healthOf(name);
      const after = observePing(before, isAnswered, now, this.options.missedPingsToFail);
      this.state.health.set(name, after);
      // Only the misses that build the verdict go to the trace and the view: a node dead for an hour
      // would otherwise fill the bounded trace with its probes.
      const isCounting = !isAnswered && after.missedPings <= this.options.missedPingsToFail;
      if (isCounting) {
        const detail = { missedPings: after.missedPings, of: this.options.missedPingsToFail };
        this.options.trace([{ from: routerNode, to: name, kind: 'probe-failed', detail }]);
      }
      if (isAnswered && before.missedPings > 0) {
        this.options.trace([
          { from: name, to: routerNode, kind: 'probe-answered', detail: { after: before } },
        ]);
      }
      if (before.isAlive !== after.isAlive) {
        this.options.logger.warn({ node: name, isAlive: after.isAlive }, 'node health changed');
      }
      if (isCounting || before.isAlive !== after.isAlive || (isAnswered && before.missedPings > 0)) {
        this.options.onHealthChange();
      }
      const shard = shardOfNode(this.state.map, name);
      if (!shard || this.promoting.has(shard.id) || this.options.externalPromotion) return;
      const action = failoverAction(
        shard,
        this.state.healthOf(shard.master),
        shard.replica === undefined ? undefined : this.state.healthOf(shard.replica),
      );
      if (action.kind === 'promote') await this.promote(shard, action.reason);
    } finally {
      this.pinging.delete(name);
    }
  }

  private async promote(shard: Shard, reason: string): Promise<void> {
    if (shard.replica === undefined || this.promoting.has(shard.id)) return;
    this.promoting.add(shard.id);
    try {
      this.options.trace([
        {
          from: routerNode,
          to: shard.replica,
          kind: 'promote',
          detail: { command: 'REPLICAOF NO ONE', shard: shard.id, replaces: shard.master, reason },
        },
      ]);
      await nodeStore.promote(this.state.node(shard.replica));
      await this.raiseEpoch(shard.replica);
      const event = this.adoptPromotion(shard, shard.replica, reason);
      this.options.logger.warn(event, 'failover: replica promoted');
      this.options.emit('shard:failover', event);
    } catch (error) {
      // The replica did not take the promotion; the next ping round tries again.
      this.options.logger.warn({ err: error, shard: shard.id }, 'promotion failed');
    } finally {
      this.promoting.delete(shard.id);
    }
  }

  /**
   * The shard map takes the promotion (by this router or the authority it follows): the replica is master
   * from now on, INFO replies sampled before it are stale, and the failover is recorded.
   */
  private adoptPromotion(shard: Shard, to: string, reason: string): FailoverEvent {
    const downSince = this.state.healthOf(shard.master).downSince;
    const promotedAt = this.options.now();
    this.state.map = promoteReplica(this.state.map, shard.id);
    this.roleChanges += 1;
    // The new master has no replica until the old one rejoins; the replication fault no longer applies.
    this.state.pausedReplication.delete(shard.id);
    const event: FailoverEvent = {
      shard: shard.id,
      from: shard.master,
      to,
      reason,
      downSince,
      promotedAt,
      failoverMs: downSince === undefined ? undefined : promotedAt - downSince,
    };
    this.state.failovers.push(event);
    if (this.state.failovers.length > 100) this.state.failovers.shift();
    return event;
  }

  /** INFO replication of every node: lag, rejoins, key counts; then the caller's hook. */
  async sample(): Promise<void> {
    if (this.isSampling) return;
    this.isSampling = true;
    try {
      const now = this.options.now();
      const roleChangesAtStart = this.roleChanges;
      await Promise.all(
        [...this.state.nodes.values()].map(async (node) => {
          try {
            this.state.replication.set(node.name, await nodeStore.replicationInfo(node));
          } catch {
            this.state.replication.set(node.name, undefined);
          }
        }),
      );
      const external = this.options.externalPromotion;
      for (const shard of this.state.map.shards) {
        if (external) await this.follow(shard, external);
        else await this.reconcile(shard, this.roleChanges === roleChangesAtStart);
      }
      this.state.rollOps(now - this.lastInfoAt);
      this.lastInfoAt = now;
      await this.options.onSample();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'monitor sample failed');
    } finally {
      this.isSampling = false;
    }
  }

  /**
   * With an external authority: if it names the shard's other node as master, the router routes to it
   * from now on and records the failover it observed. No REPLICAOF here: the authority reconfigures nodes.
   */
  private async follow(shard: Shard, external: ExternalPromotion): Promise<void> {
    try {
      this.state.keysPerShard.set(shard.id, await nodeStore.dbsize(this.state.node(shard.master)));
    } catch {
      // A dead master has no count; the last one stays until it answers.
    }
    const named = await external.masterOf(shard).catch(() => undefined);
    if (named === undefined || named === shard.master || named !== shard.replica) return;
    const event = this.adoptPromotion(
      shard,
      named,
      `${external.decidedBy} promoted ${named}; the router follows`,
    );
    this.options.trace([
      {
        from: 'sentinels',
        to: routerNode,
        kind: '+switch-master',
        detail: { shard: shard.id, master: named },
      },
    ]);
    this.options.logger.warn(event, 'failover observed');
    this.options.emit('shard:failover', event);
  }

  /** Makes a shard's replica follow its master, and samples its key count. */
  private async reconcile(shard: Shard, areReportsCurrent: boolean): Promise<void> {
    const masterNode = this.state.node(shard.master);
    try {
      this.state.keysPerShard.set(shard.id, await nodeStore.dbsize(masterNode));
    } catch {
      // A dead master has no count; the last one stays until it answers.
    }
    if (
      !areReportsCurrent ||
      shard.replica === undefined ||
      this.promoting.has(shard.id) ||
      this.state.pausedReplication.has(shard.id)
    ) {
      return;
    }
    const demoted = demotedMasterAction(
      shard,
      this.reportOf(shard.master),
      this.state.healthOf(shard.replica),
    );
    if (demoted.kind === 'promote') {
      await this.promote(shard, demoted.reason);
      return;
    }
    if (!this.state.healthOf(shard.replica).isAlive || !this.state.healthOf(shard.master).isAlive) return;
    const masterAddress = `${masterNode.address.host}:${masterNode.address.port}`;
    const report = this.reportOf(shard.replica);
    const replicaInfo = this.state.replication.get(shard.replica);
    if (
      this.state.epochBumpAfterSync.has(shard.id) &&
      report.isReachable &&
      report.role === 'replica' &&
      report.following === masterAddress &&
      replicaInfo?.linkStatus === 'up'
    ) {
      await this.raiseEpoch(shard.master);
      this.state.epochBumpAfterSync.delete(shard.id);
    }
    const action = rejoinAction(shard, report, masterAddress);
    if (action.kind !== 'rejoin') return;
    try {
      // A node that still says master is an old master back from the dead: demoted, it drops its own writes.
      const command = `REPLICAOF ${masterNode.address.host} ${masterNode.address.port}`;
      this.options.trace([
        {
          from: routerNode,
          to: action.node,
          kind: report.isReachable && report.role === 'master' ? 'demote' : 'follow',
          detail: { command, shard: shard.id, master: action.master, reason: action.reason },
        },
      ]);
      await nodeStore.follow(this.state.node(action.node), masterNode.address);
      // Its resync writes the master's data, epoch included, to its snapshot file: raise the epoch once it is linked.
      this.state.epochBumpAfterSync.add(shard.id);
      const rejoin = { shard: shard.id, node: action.node, master: action.master, reason: action.reason };
      this.state.rejoins.push({ ...rejoin, at: this.options.now() });
      if (this.state.rejoins.length > 100) this.state.rejoins.shift();
      this.options.logger.info(rejoin, 'node rejoined as a replica');
      this.options.emit('shard:rejoined', rejoin);
    } catch (error) {
      this.options.logger.warn({ err: error, node: action.node }, 'rejoin failed');
    }
  }

  /** Best effort: a missed raise only weakens the start-up tie-break, and the next promotion raises it again. */
  private async raiseEpoch(masterName: string): Promise<void> {
    try {
      await nodeStore.bumpFailoverEpoch(this.state.node(masterName));
    } catch (error) {
      this.options.logger.warn({ err: error, node: masterName }, 'failover epoch not raised');
    }
  }

  private reportOf(name: string): RoleReport {
    return this.state.replication.get(name)?.report ?? { isReachable: false };
  }

  private async roleOf(name: string): Promise<RoleReport> {
    try {
      return (await nodeStore.replicationInfo(this.state.node(name))).report;
    } catch {
      return { isReachable: false };
    }
  }

  private replaceShard(shard: Shard): void {
    this.state.map = {
      ...this.state.map,
      shards: this.state.map.shards.map((s) => (s.id === shard.id ? shard : s)),
    };
  }
}

import type { ReplicaStore } from '../store/replica-store.ts';

/**
 * The replicas of one anti-entropy round, the state its steps share: a
 * replica that fails at any step is left out of the rest of the round (the
 * next round catches it up).
 */
export class RoundReplicas<Replica extends { readonly name: string } = ReplicaStore> {
  private readonly all: readonly Replica[];
  private readonly skipped = new Set<string>();

  constructor(replicas: readonly Replica[]) {
    this.all = replicas;
  }

  /** The replicas still in the round. */
  live(): Replica[] {
    return this.all.filter((replica) => !this.skipped.has(replica.name));
  }

  isLive(name: string): boolean {
    return !this.skipped.has(name);
  }

  /** The replicas left out, by name, sorted. */
  skippedNames(): string[] {
    return [...this.skipped].sort();
  }

  byName(name: string): Replica | undefined {
    return this.all.find((replica) => replica.name === name);
  }

  /** Runs one request to `replica`; a failure leaves it out of the round and answers undefined. */
  async ask<T>(replica: Replica, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch {
      this.skipped.add(replica.name);
      return undefined;
    }
  }
}

/** Bytes each replica's Redis read and wrote during one round, from its own INFO counters. */
export interface WireBytes {
  /** Every byte in and out of every compared replica: what the round cost on the wire. */
  readonly bytes: number;
  readonly replicas: readonly { node: string; inputBytes: number; outputBytes: number }[];
}

/** What one anti-entropy round found, repaired and cost. */
export interface AntiEntropyReport {
  readonly replicasCompared: string[];
  readonly replicasSkipped: string[];
  /** Depth of the replicas' stored trees: 2^depth leaf ranges. */
  readonly depth: number;
  /** Tree nodes read per replica on the way down (each one hash and a key count). */
  readonly rangesCompared: number;
  /** Leaf ranges whose hashes differed between some replicas: the only keys listed. */
  readonly rangesDiffering: number;
  /** (key, digest) pairs read from the differing leaves, over every replica. */
  readonly keysListed: number;
  readonly keysRepaired: number;
  readonly tombstonesCollected: number;
  /** Measured: bytes in and out of every compared replica during the round (wire.bytes). */
  readonly bytesMoved: number;
  /** Payload of the versions shipped to replicas that lacked them. */
  readonly versionBytes: number;
  /**
   * What a full copy of the fullest replica to every other must move at the
   * least: its sibling sets out of it and into each other replica, so twice
   * their bytes per copy (RESP framing left out: a real copy moves more).
   */
  readonly fullCopyBytes: number;
  readonly wire: WireBytes;
  readonly durationMs: number;
}

/**
 * A linearizability checker for one register (Wing & Gong 1993, with Lowe's
 * memoisation, 2017, as in Jepsen's Knossos and Porcupine). It searches for
 * an order of the operations that (1) respects real time: an operation that
 * returned before another was called comes first, and (2) is a legal run of a
 * register. Operations whose outcome is unknown may take effect at any time
 * after their call, or never. The search is exponential in the worst case, so
 * it has a step budget and can honestly answer `unknown`.
 */

export type RegisterValue = string | null;

export type RegisterOp =
  | { readonly f: 'read'; readonly value: RegisterValue }
  | { readonly f: 'write'; readonly value: RegisterValue }
  /** Compare-and-set; `applied` is undefined when the outcome is unknown. */
  | { readonly f: 'cas'; readonly from: string; readonly to: string; readonly applied: boolean | undefined };

export interface TimedOp {
  readonly id: string | number;
  readonly op: RegisterOp;
  /** When it was invoked and when it returned; `ret` undefined when the outcome is unknown (never returned). */
  readonly call: number;
  readonly ret: number | undefined;
}

export type RegisterVerdict =
  | { readonly result: 'linearizable'; readonly steps: number }
  | {
      readonly result: 'not-linearizable';
      readonly steps: number;
      /** The operation the deepest search could not place, and how many it had placed before it. */
      readonly stuckAt: TimedOp;
      readonly placedBefore: number;
    }
  | { readonly result: 'unknown'; readonly steps: number; readonly reason: string };

/** The register's state during the search; `unknown` when the history began with an unseen value. */
type State = { readonly known: false } | { readonly known: true; readonly value: RegisterValue };

const stateKey = (s: State): string => (!s.known ? '?' : s.value === null ? 'n' : `s${s.value}`);

/**
 * One step of the register model: is `op` legal in `state`, and what state follows. A read of a value
 * `isUnbound` says a writer outside the record may have written is legal at any point: that write can be
 * placed just before it.
 */
function step(state: State, op: RegisterOp, isUnbound: (value: RegisterValue) => boolean): State | undefined {
  switch (op.f) {
    case 'read':
      // From an unknown start the first read tells us the value.
      if (!state.known || isUnbound(op.value)) return { known: true, value: op.value };
      return state.value === op.value ? state : undefined;
    case 'write':
      return { known: true, value: op.value };
    case 'cas': {
      if (!state.known) return op.applied === false ? state : { known: true, value: op.to };
      const matches = state.value === op.from;
      if (op.applied === undefined) return matches ? { known: true, value: op.to } : state;
      if (op.applied !== matches) return undefined;
      return matches ? { known: true, value: op.to } : state;
    }
  }
}

interface Node {
  readonly opIndex: number;
  readonly isCall: boolean;
  /** For a call: its return node. */
  match: Node | undefined;
  prev: Node | undefined;
  next: Node | undefined;
}

/** Builds the time-ordered event list; calls before returns on equal times (the permissive reading). */
function buildEvents(ops: readonly TimedOp[]): Node {
  const end = ops.reduce((max, o) => Math.max(max, o.call, o.ret ?? -Infinity), 0) + 1;
  const events = ops.flatMap((o, opIndex) => [
    { time: o.call, isCall: true, opIndex },
    // An unknown outcome may take effect any time after its call: its return goes past the end.
    { time: o.ret ?? end, isCall: false, opIndex },
  ]);
  events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.opIndex - b.opIndex);
  const head: Node = { opIndex: -1, isCall: false, match: undefined, prev: undefined, next: undefined };
  const calls = new Map<number, Node>();
  let tail = head;
  for (const e of events) {
    const node: Node = {
      opIndex: e.opIndex,
      isCall: e.isCall,
      match: undefined,
      prev: tail,
      next: undefined,
    };
    tail.next = node;
    tail = node;
    if (e.isCall) calls.set(e.opIndex, node);
    else {
      const call = calls.get(e.opIndex);
      if (call) call.match = node;
    }
  }
  return head;
}

function lift(call: Node): void {
  const ret = call.match;
  if (call.prev) call.prev.next = call.next;
  if (call.next) call.next.prev = call.prev;
  if (ret) {
    if (ret.prev) ret.prev.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  }
}

function unlift(call: Node): void {
  const ret = call.match;
  if (ret) {
    if (ret.prev) ret.prev.next = ret;
    if (ret.next) ret.next.prev = ret;
  }
  if (call.prev) call.prev.next = call;
  if (call.next) call.next.prev = call;
}

/**
 * The values that bind a read when writers outside the record exist: those exactly one recorded
 * operation wrote. Any other value (null, one nobody in the record wrote, one written twice) may have
 * come from an unseen writer at any moment. Sound because each bound value has one writer: in the true
 * order a read of it follows that write with no write between, which the record's order keeps.
 */
function boundValues(ops: readonly TimedOp[]): Set<string> {
  const writes = new Map<string, number>();
  for (const { op } of ops) {
    const written = op.f === 'write' ? op.value : op.f === 'cas' ? op.to : null;
    if (written !== null) writes.set(written, (writes.get(written) ?? 0) + 1);
  }
  return new Set([...writes].filter(([, count]) => count === 1).map(([value]) => value));
}

/**
 * Checks one register's history. `initial` is the value before the history,
 * or `unknown` when the record starts mid-life (then the first read decides).
 * `othersWrite`: the record is one node's share of the traffic, and other nodes' clients write the
 * same register unseen. A read of a value the record did not write exactly once is then always
 * explained (by such a write just before it); reads of the record's own values still bind. Without
 * it, a node that served a read of a value written through another node would be a false alarm.
 */
export function checkRegister(
  ops: readonly TimedOp[],
  options: {
    readonly initial: 'unknown' | { readonly value: RegisterValue };
    readonly maxSteps?: number;
    readonly othersWrite?: boolean;
  },
): RegisterVerdict {
  const maxSteps = options.maxSteps ?? 2_000_000;
  const bound = options.othersWrite ? boundValues(ops) : undefined;
  const isUnbound = (value: RegisterValue): boolean =>
    bound !== undefined && (value === null || !bound.has(value));
  const head = buildEvents(ops);
  let state: State =
    options.initial === 'unknown' ? { known: false } : { known: true, value: options.initial.value };
  let linearized = 0n;
  // Memo of (set of placed operations, state) pairs already explored: Lowe's key idea.
  const seen = new Set<string>();
  const stack: { call: Node; state: State }[] = [];
  let entry = head.next;
  let steps = 0;
  let deepest: { opIndex: number; placed: number } = { opIndex: -1, placed: -1 };

  while (head.next !== undefined) {
    if (++steps > maxSteps) {
      return { result: 'unknown', steps, reason: `search stopped after ${maxSteps} steps` };
    }
    if (entry === undefined) break;
    if (entry.isCall) {
      const op = ops[entry.opIndex];
      const next = op ? step(state, op.op, isUnbound) : undefined;
      if (next !== undefined) {
        const placed = linearized | (1n << BigInt(entry.opIndex));
        const key = `${placed.toString(36)}|${stateKey(next)}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ call: entry, state });
          state = next;
          linearized = placed;
          lift(entry);
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
    } else {
      // A return whose operation is not placed yet: every ordering tried so far fails here.
      if (stack.length >= deepest.placed) deepest = { opIndex: entry.opIndex, placed: stack.length };
      const top = stack.pop();
      if (!top) {
        const stuckAt = ops[deepest.opIndex];
        if (!stuckAt) throw new Error('checker invariant: no operation to blame');
        return { result: 'not-linearizable', steps, stuckAt, placedBefore: deepest.placed };
      }
      state = top.state;
      linearized &= ~(1n << BigInt(top.call.opIndex));
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { result: 'linearizable', steps };
}

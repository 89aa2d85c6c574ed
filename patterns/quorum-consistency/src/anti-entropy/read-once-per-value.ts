import type { ReplicaStore } from '../store/replica-store.ts';
import type { RoundReplicas } from './round-replicas.ts';

/**
 * One item to read (a subtree's lower levels, a node's keys) and the live
 * replicas' names grouped by their value of the node it lies under: replicas
 * with an equal node value hold an equal subtree (the same 2^-64 bet as
 * pruning equal nodes), so one of each group is asked and its answer stands
 * for the rest. With one replica behind, two of three are asked.
 */
export interface GroupedItem<Item> {
  readonly item: Item;
  readonly groups: readonly (readonly string[])[];
}

/**
 * Reads every item from one replica per group, one request per replica asked
 * (all in parallel), and answers each live replica's values per item. When the
 * replica asked for a group fails (it leaves the round), the next member of
 * that group is asked in a further request; a group with no live member left
 * gets no answer.
 */
export async function readOncePerValue<Item, Value, Replica extends { readonly name: string } = ReplicaStore>(
  round: RoundReplicas<Replica>,
  items: readonly GroupedItem<Item>[],
  read: (replica: Replica, items: readonly Item[]) => Promise<Value[]>,
): Promise<Map<string, Map<Item, Value>>> {
  const answers = new Map<string, Map<Item, Value>>();
  let waiting = items.flatMap(({ item, groups }) => groups.map((group) => ({ item, group })));
  while (waiting.length > 0) {
    const byReplica = new Map<string, { item: Item; group: readonly string[] }[]>();
    for (const entry of waiting) {
      const asked = entry.group.find((name) => round.isLive(name));
      if (asked === undefined) continue;
      const list = byReplica.get(asked) ?? [];
      list.push(entry);
      byReplica.set(asked, list);
    }
    const failed: typeof waiting = [];
    await Promise.all(
      [...byReplica].map(async ([name, entries]) => {
        const replica = round.byName(name);
        const values =
          replica &&
          (await round.ask(replica, () =>
            read(
              replica,
              entries.map((entry) => entry.item),
            ),
          ));
        if (!values) {
          failed.push(...entries);
          return;
        }
        entries.forEach(({ item, group }, j) => {
          for (const member of group) {
            const held = answers.get(member) ?? new Map<Item, Value>();
            held.set(item, values[j] as Value);
            answers.set(member, held);
          }
        });
      }),
    );
    waiting = failed;
  }
  return answers;
}

/** The live replicas' names grouped by equal value (in the round's order); `valueOn` undefined: not known, left out. */
export function groupByValue<Value>(
  names: readonly string[],
  valueOn: (name: string) => Value | undefined,
): string[][] {
  const groups = new Map<Value, string[]>();
  for (const name of names) {
    const value = valueOn(name);
    if (value === undefined) continue;
    const group = groups.get(value);
    if (group) group.push(name);
    else groups.set(value, [name]);
  }
  return [...groups.values()];
}

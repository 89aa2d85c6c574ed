import { toJSON } from '@kvs-lab/shared/vector-clock';
import type { VectorClockJson } from '@kvs-lab/shared/vector-clock';
import { pageOfKeys } from './key-page.ts';
import type { KeyPage } from './key-page.ts';
import type { QuorumService } from '../coordinator/quorum-service.ts';

/** A page of the live view's key table, with what each replica holds for each key on it. */
export interface KeyTable extends Omit<KeyPage, 'keys'> {
  readonly keys: readonly {
    key: string;
    replicas: readonly {
      node: string;
      isUp: boolean;
      versions: readonly {
        value: string | null;
        isTombstone: boolean;
        clock: VectorClockJson;
        writtenAt: number;
        writer: string;
      }[];
    }[];
  }[];
}

/**
 * The keys every answering replica holds (their digest indexes' fields), in
 * natural order, filtered by `search` and paged; then each replica's versions
 * for the keys on the page only.
 */
export async function keyTable(
  quorum: QuorumService,
  options: { readonly search?: string; readonly offset: number; readonly limit: number },
): Promise<KeyTable> {
  const names = await Promise.all(quorum.replicas.map((replica) => replica.keyNames().catch(() => [])));
  const page = pageOfKeys(names.flat(), options);
  return {
    ...page,
    keys: await Promise.all(
      page.keys.map(async (key) => ({
        key,
        replicas: (await quorum.rawReplicas(key)).map((replica) => ({
          node: replica.node,
          isUp: replica.isUp,
          versions: replica.versions.map((version) => ({ ...version, clock: toJSON(version.clock) })),
        })),
      })),
    ),
  };
}

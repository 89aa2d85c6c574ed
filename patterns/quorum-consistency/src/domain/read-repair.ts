import { versionId } from './versioned-value.ts';
import type { StoredVersion } from './versioned-value.ts';

/** What one replica answered a read with. */
export interface ReplicaVersions {
  readonly node: string;
  readonly versions: readonly StoredVersion[];
}

/** One replica to bring up to date, and the surviving versions it lacks. */
export interface RepairTask {
  readonly node: string;
  readonly missing: readonly StoredVersion[];
}

/**
 * Read repair: after a read resolves its answers, every replica that answered
 * without some surviving version is sent the versions it lacks. A replica that
 * holds an ancestor of a survivor drops it when the survivor arrives, so
 * sending what is missing is enough.
 */
export function planReadRepair(
  answers: readonly ReplicaVersions[],
  survivors: readonly StoredVersion[],
): readonly RepairTask[] {
  const tasks: RepairTask[] = [];
  for (const answer of answers) {
    const held = new Set(answer.versions.map((version) => versionId(version.clock)));
    const missing = survivors.filter((survivor) => !held.has(versionId(survivor.clock)));
    if (missing.length > 0) tasks.push({ node: answer.node, missing });
  }
  return tasks;
}

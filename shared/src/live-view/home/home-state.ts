import type { PatternTopology } from '../../topology/topology.ts';
import type { LabStatus } from '../../lab/lab-status.ts';

/** One row of the home page: a pattern, its engines, and what runs of it now. */
export interface HomeRow {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly cap: string;
  readonly engines: readonly string[];
  readonly readme: string;
  readonly running?: {
    readonly engine: string | undefined;
    readonly services: readonly { readonly name: string; readonly url: string }[];
    readonly checks: readonly {
      readonly service: string;
      readonly valid: boolean | null;
      readonly summary: string;
    }[];
  };
}

export type CheckFetcher = (url: string) => Promise<{ valid: boolean | null; summary: string }>;

/** Asks one instance's `/check`; a pattern that does not answer says so instead of failing the page. */
export const fetchCheck: CheckFetcher = async (url) => {
  try {
    const response = await fetch(`${url}/check`, { signal: AbortSignal.timeout(3_000) });
    const body = (await response.json()) as { valid?: boolean; summary?: string };
    return { valid: body.valid ?? null, summary: body.summary ?? `answered ${response.status}` };
  } catch (error) {
    return { valid: null, summary: `no answer: ${error instanceof Error ? error.message : String(error)}` };
  }
};

/** The rows of the home page, from the topologies and the runner's status. */
export async function homeRows(
  topologies: readonly PatternTopology[],
  status: LabStatus,
  check: CheckFetcher = fetchCheck,
): Promise<HomeRow[]> {
  return Promise.all(
    topologies.map(async (t) => {
      const engines = t.engines ? [t.engines.default, ...Object.keys(t.engines.others)] : [];
      const base = {
        name: t.name,
        title: t.title,
        summary: t.summary,
        cap: t.cap,
        engines,
        readme: `/readme/${t.name}`,
      };
      const running = status[t.name];
      if (!running) return base;
      const services = running.processes
        .filter((p) => p.role === 'service')
        .map((p) => ({ name: p.name, url: p.url }));
      const checks = await Promise.all(
        services.map(async (s) => ({ service: s.name, ...(await check(s.url)) })),
      );
      return { ...base, running: { engine: running.engine ?? undefined, services, checks } };
    }),
  );
}

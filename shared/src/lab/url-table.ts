import type { ProcessRecord } from './state-file.ts';

type Row = readonly [name: string, role: string, url: string, note: string];

// A port that speaks RESP is one a user reaches with redis-cli: say how, not what the topology calls it.
function extraPortNote(key: string, port: number): string {
  return key === 'respPort' ? `RESP: redis-cli -p ${port}` : key;
}

function rowsOf(process: ProcessRecord): Row[] {
  if (process.role === 'redis') return [[process.name, 'redis', process.url, '']];
  if (process.role === 'sentinel') return [[process.name, 'sentinel', process.url, 'redis-cli -p']];
  if (process.role === 'etcd') return [[process.name, 'etcd', process.url, 'etcdctl --endpoints']];
  const base = process.url.replace(/\/$/, '');
  return [
    [process.name, 'service', `${base}/docs`, 'Swagger UI'],
    ['', '', `${base}/`, 'live view'],
    ...Object.entries(process.extraPorts).map(([key, port]): Row => [
      '',
      '',
      `127.0.0.1:${port}`,
      extraPortNote(key, port),
    ]),
  ];
}

/** Where to point a browser, curl or redis-cli, one aligned row per URL. */
export function formatUrlTable(title: string, processes: readonly ProcessRecord[]): string {
  const services = processes.filter((p) => p.role === 'service');
  const stores = processes.filter((p) => p.role !== 'service');
  const rows: Row[] = [['NAME', 'ROLE', 'URL', ''], ...[...services, ...stores].flatMap(rowsOf)];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return [title, ...lines.map((line) => `  ${line}`)].join('\n');
}

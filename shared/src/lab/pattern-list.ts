import { engineNamesOf, portsOf, type PatternTopology } from '../topology/index.ts';

/** `7111,7112,7113,7120` -> `7111-7113,7120`: a topology's ports in one short cell. */
export function compactPorts(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    runs.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(',');
}

function portsCell(topology: PatternTopology): string {
  const serviceNames = new Set(topology.services.map((s) => s.name));
  const extra = portsOf(topology)
    .filter(({ owner }) => owner.includes('.') && serviceNames.has(owner.slice(0, owner.indexOf('.'))))
    .map(({ owner, port }) => `${owner.slice(owner.indexOf('.') + 1)} ${port}`);
  const etcd = topology.etcd ?? [];
  const sentinels = topology.sentinels?.nodes ?? [];
  return [
    `block ${topology.portBlock}-${topology.portBlock + 99}:`,
    `http ${compactPorts(topology.services.map((s) => s.port))}`,
    ...(topology.redis.length > 0 ? [`redis ${compactPorts(topology.redis.map((r) => r.port))}`] : []),
    ...(etcd.length > 0
      ? [
          `etcd ${compactPorts(etcd.map((m) => m.clientPort))} (peers ${compactPorts(etcd.map((m) => m.peerPort))})`,
        ]
      : []),
    ...(sentinels.length > 0 ? [`sentinel ${compactPorts(sentinels.map((n) => n.port))}`] : []),
    ...(topology.redis.some((r) => r.clusterEnabled) ? ['(+10000 cluster bus)'] : []),
    ...extra,
    ...(topology.sizes ? [`(sizes ${[topology.sizes.default, ...topology.sizes.others].join('|')})`] : []),
  ].join(' ');
}

/** `router*,etcd`: the default engine starred; `-` for a pattern with one engine. */
function enginesCell(topology: PatternTopology): string {
  const engines = topology.engines;
  if (!engines) return '-';
  return [`${engines.default}*`, ...Object.keys(engines.others)].join(',');
}

function implementedCell(topology: PatternTopology): string {
  if (topology.implemented) return 'yes';
  return topology.issue === undefined ? 'no' : `no (issue #${topology.issue})`;
}

/** `pnpm lab list`: the seven patterns, then the kit demo on a line of its own. */
export function formatPatternList(patterns: readonly PatternTopology[], kitDemo: PatternTopology): string {
  const header = ['PATTERN', 'CAP', 'PORTS', 'ENGINES', 'IMPLEMENTED'] as const;
  const rowOf = (t: PatternTopology): string[] => [
    t.name,
    t.cap,
    portsCell(t),
    enginesCell(t),
    implementedCell(t),
  ];
  const rows = [[...header], ...patterns.map(rowOf), rowOf(kitDemo)];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const format = (row: readonly string[]): string =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const [headerRow, ...rest] = rows.map(format);
  const patternRows = rest.slice(0, patterns.length);
  const kitRow = rest[patterns.length] ?? '';
  const engineLines = [...patterns, kitDemo].flatMap((t) =>
    engineNamesOf(t).map((engine) => {
      const description = t.engines?.descriptions?.[engine];
      const flag = engine === t.engines?.default ? '(default)' : `--engine ${engine}`;
      return `  ${t.name} ${flag}${description === undefined ? '' : `: ${description}`}`;
    }),
  );
  return [
    headerRow,
    ...patternRows,
    '',
    `${kitRow}   <- the kit's own demo, not a pattern`,
    '',
    ...(engineLines.length > 0
      ? ['Engines (`pnpm lab up <name> --engine <engine>`):', ...engineLines, '']
      : []),
    'Start one with `pnpm lab up <name>` (add --detach to get the prompt back).',
  ].join('\n');
}

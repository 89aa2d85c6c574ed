import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { labSettings } from '../../lab/lab-settings.ts';
import { readLabStatus } from '../../lab/lab-status.ts';
import { loadPatternTopologies, repoRoot } from '../../lab/registry.ts';
import { AppError, createService, runService, z } from '../../service/index.ts';
import type { Service } from '../../service/index.ts';
import { kitWebDir } from '../live-view.ts';
import { homeRows } from './home-state.ts';

const pageDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');
/** Below every pattern's block: 7000 is the kit's own block, and kit-demo uses 7001 and 7010. */
export const homePort = 7000;

const rowSchema = z.object({
  name: z.string(),
  title: z.string(),
  summary: z.string(),
  cap: z.string(),
  engines: z.array(z.string()),
  readme: z.string(),
  running: z.unknown().optional(),
});

/** The lab's home page: the seven patterns, which run, links to each, and each one's /check verdict. */
export function createHomeApp(stateDir: string): Service {
  const service = createService({ name: 'lab-home', instance: 'lab-home' });
  service.route({
    method: 'get',
    path: '/api/patterns',
    summary: 'Every pattern, its engines, and for a running one its services and /check verdicts',
    responses: {
      200: { description: 'One row per pattern', schema: z.object({ patterns: z.array(rowSchema) }) },
    },
    handler: async () => {
      const topologies = await loadPatternTopologies();
      return { status: 200, body: { patterns: await homeRows(topologies, readLabStatus(stateDir).running) } };
    },
  });
  service.route({
    method: 'get',
    path: '/readme/{pattern}',
    summary: "A pattern's README (its lab manual), as Markdown",
    params: z.object({ pattern: z.string().regex(/^[a-z-]{1,40}$/) }),
    responses: { 200: { description: 'The README', contentType: 'text/markdown' } },
    handler: async ({ params }) => {
      const topology = (await loadPatternTopologies()).find((t) => t.name === params.pattern);
      if (!topology) throw new AppError('NOT_FOUND', `No pattern ${params.pattern}.`);
      const text = readFileSync(path.join(repoRoot, topology.dir, 'README.md'), 'utf8');
      return { status: 200, body: text, contentType: 'text/markdown; charset=utf-8' };
    },
  });
  service.use('/lab-kit', express.static(kitWebDir, { index: false, maxAge: 0 }));
  service.use('/', express.static(pageDir, { index: 'index.html', maxAge: 0 }));
  return service;
}

/** `pnpm lab home`: serves the home page until Ctrl-C. */
export async function homeCommand(): Promise<number> {
  const settings = labSettings();
  const port = homePort + settings.portOffset;
  const service = createHomeApp(settings.stateDir);
  await runService(service, port, '127.0.0.1');
  console.log(`lab home: http://127.0.0.1:${port}/ (Ctrl-C stops it)`);
  return new Promise<number>(() => undefined);
}

import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningLab } from './running-lab.ts';

/**
 * Every pattern, started by the real runner, swept through its own OpenAPI document with
 * hostile input. The lab must answer each with a 4xx problem+json, never a 5xx or a
 * non-JSON error, and a refused request must change nothing.
 */

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly hasBody: boolean;
  readonly isAdmin: boolean;
}

interface ServiceUnderTest {
  readonly pattern: string;
  readonly name: string;
  readonly base: string;
  readonly operations: Operation[];
}

interface OpenApi {
  paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown[] }>>;
}

function operationsOf(document: OpenApi): Operation[] {
  return Object.entries(document.paths).flatMap(([route, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path: route,
        hasBody: op.requestBody !== undefined,
        isAdmin: (op.security ?? []).length > 0,
      })),
  );
}

const hostileSegments = [
  '%00',
  '..%2F..%2Fetc%2Fpasswd',
  '%ZZ',
  '__proto__',
  'x'.repeat(4_000),
  '%F0%28%8C%28',
];
const deeplyNested = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
const hostileBodies = [
  '[]',
  '"a string"',
  '123',
  'null',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  deeplyNested,
  JSON.stringify({ value: 'x'.repeat(200_000) }),
  '{"unterminated":',
];

function fillPath(route: string, segment: string): string {
  return route.replace(/\{[^}]+\}/g, segment);
}

interface Probe {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

function probesFor(base: string, op: Operation, adminToken: string): Probe[] {
  const auth = { authorization: `Bearer ${adminToken}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const valid = fillPath(op.path, 'sweep');
  const probes: Probe[] = [];
  if (op.path.includes('{')) {
    for (const segment of hostileSegments) {
      const body = op.method === 'GET' ? undefined : '{}';
      probes.push({ method: op.method, url: `${base}${fillPath(op.path, segment)}`, headers: json, body });
    }
  }
  if (op.method !== 'GET') {
    // Bodies that must be refused before any handler runs, on every state-changing route.
    probes.push(
      {
        method: op.method,
        url: `${base}${valid}`,
        headers: { ...json, 'content-encoding': 'gzip' },
        body: '{}',
      },
      { method: op.method, url: `${base}${valid}`, headers: json, body: '{"unterminated":' },
      {
        method: op.method,
        url: `${base}${valid}`,
        headers: { ...auth, 'content-type': 'text/plain' },
        body: '{}',
      },
    );
  }
  if (op.hasBody) {
    for (const body of hostileBodies)
      probes.push({ method: op.method, url: `${base}${valid}`, headers: json, body });
  }
  return probes;
}

async function send(probe: Probe): Promise<{ status: number; contentType: string; text: string }> {
  const response = await fetch(probe.url, {
    method: probe.method,
    headers: probe.headers,
    body: probe.body,
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

export function describeHostileSweep(lab: () => RunningLab): void {
  const services: ServiceUnderTest[] = [];
  let adminToken = '';

  beforeAll(async () => {
    const running = lab();
    adminToken = running.adminToken;
    for (const topology of running.topologies) {
      for (const service of topology.services) {
        const base = `http://127.0.0.1:${service.port + running.portOffset}`;
        const document = (await (await fetch(`${base}/openapi.json`)).json()) as OpenApi;
        services.push({
          pattern: topology.name,
          name: service.name,
          base,
          operations: operationsOf(document),
        });
      }
    }
  }, 60_000);

  describe('the lab surface under hostile input', () => {
    it('answers every hostile request with a 4xx JSON problem: no 5xx, no HTML, no bare status', async () => {
      const failures: string[] = [];
      for (const service of services) {
        for (const op of service.operations) {
          for (const probe of probesFor(service.base, op, adminToken)) {
            const answer = await send(probe);
            const isJsonError = /^application\/(problem\+)?json/.test(answer.contentType);
            if (answer.status >= 500 || (answer.status >= 400 && !isJsonError)) {
              failures.push(
                `${service.name} ${probe.method} ${probe.url.slice(0, 120)} -> ${answer.status} ${answer.contentType} ${answer.text.slice(0, 120)}`,
              );
            }
          }
        }
      }
      expect(failures).toEqual([]);
    }, 300_000);

    it('marks every route that changes the lab or erases its evidence as admin, and refuses it without the token', async () => {
      const mustBeAdmin = (op: Operation): boolean =>
        op.path.startsWith('/chaos') ||
        (op.method === 'DELETE' && op.path === '/history') ||
        (op.method !== 'GET' && ['/config', '/autoscale', '/backpressure'].includes(op.path));
      const failures: string[] = [];
      for (const service of services) {
        for (const op of service.operations) {
          if (mustBeAdmin(op) && !op.isAdmin)
            failures.push(`${service.name} ${op.method} ${op.path} is not admin`);
          if (!op.isAdmin) continue;
          const answer = await send({
            method: op.method,
            url: `${service.base}${fillPath(op.path, 'sweep')}`,
            headers: { 'content-type': 'application/json' },
            body: op.method === 'GET' ? undefined : '{}',
          });
          if (answer.status !== 401)
            failures.push(`${service.name} ${op.method} ${op.path} -> ${answer.status}`);
        }
      }
      expect(failures).toEqual([]);
    }, 120_000);

    it('refuses cross-origin simple requests to every state-changing route and records nothing for them', async () => {
      const failures: string[] = [];
      for (const service of services) {
        const historyBefore = await (await fetch(`${service.base}/history`)).text();
        for (const op of service.operations.filter((o) => o.method !== 'GET')) {
          const answer = await send({
            method: op.method,
            url: `${service.base}${fillPath(op.path, 'sweep')}`,
            headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
            body: op.method === 'DELETE' ? undefined : 'hello',
          });
          if (answer.status !== 403)
            failures.push(`${service.name} ${op.method} ${op.path} -> ${answer.status}`);
        }
        const historyAfter = await (await fetch(`${service.base}/history`)).text();
        if (historyAfter !== historyBefore)
          failures.push(`${service.name}: /history changed after refused requests`);
      }
      expect(failures).toEqual([]);
    }, 120_000);
  });
}

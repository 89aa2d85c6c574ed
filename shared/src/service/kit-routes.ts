import { AppError } from './app-error.ts';
import type { ChaosEvent, ChaosFault, LinkControl, LinkState } from './chaos.ts';
import { freezeProcess } from './chaos.ts';
import type { Service } from './service.ts';
import { evaluateReadiness } from './readiness.ts';
import type { ReadinessCheck } from './readiness.ts';
import { z } from './zod.ts';

interface KitDeps {
  readiness: () => readonly ReadinessCheck[];
  links: readonly LinkControl[];
  faults: readonly ChaosFault[];
  emit: (event: ChaosEvent) => void;
}

const checkResult = z.object({
  name: z.string(),
  ok: z.boolean(),
  critical: z.boolean(),
  detail: z.string().optional(),
  latencyMs: z.number(),
});

const linkState = z
  .discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('ok') }),
    z.strictObject({ mode: z.literal('cut') }),
    z.strictObject({ mode: z.literal('slow'), delayMs: z.number().int().min(1).max(60_000) }),
  ])
  .openapi('LinkState', {
    description:
      '`cut`: commands on this link fail at once. `slow`: each command waits `delayMs` first. `ok`: healed.',
  });

/** The endpoints every service has: health, readiness, metrics, the API document and /chaos. */
export function kitRoutes(route: Service['route'], service: Service, deps: KitDeps): void {
  const tags = ['kit'];

  route({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process answers',
    tags,
    responses: {
      200: {
        description: 'Alive',
        schema: z.object({
          status: z.literal('ok'),
          service: z.string(),
          instance: z.string(),
          uptimeSeconds: z.number(),
        }),
      },
    },
    handler: () => ({
      status: 200,
      body: {
        status: 'ok',
        service: service.name,
        instance: service.instance,
        uptimeSeconds: Math.round(process.uptime()),
      },
    }),
  });

  route({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: every Redis node this instance needs answers',
    description:
      '503 `NOT_READY` names each failing dependency. A non-critical dependency (a cache) only makes it `degraded`.',
    tags,
    errors: ['NOT_READY'],
    responses: {
      200: {
        description: 'Ready (or degraded: a non-critical dependency is down)',
        schema: z.object({ status: z.enum(['ready', 'degraded']), checks: z.array(checkResult) }),
      },
    },
    handler: async () => ({ status: 200, body: await evaluateReadiness(deps.readiness()) }),
  });

  route({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of this instance',
    tags,
    responses: {
      200: { description: 'Prometheus text format', contentType: 'text/plain', schema: z.string() },
    },
    handler: async () => ({
      status: 200,
      contentType: service.metrics.contentType,
      body: await service.metrics.metrics(),
    }),
  });

  route({
    method: 'get',
    path: '/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    tags,
    responses: {
      200: {
        description: 'The document Swagger UI at /docs renders',
        schema: z.record(z.string(), z.unknown()),
      },
    },
    handler: () => ({ status: 200, body: service.openapi() }),
  });

  const chaosTags = ['chaos'];
  const chaosState = () => ({
    links: deps.links.map((l) => ({ node: l.name, state: l.linkState() })),
    faults: deps.faults.map((f) => ({ name: f.name, description: f.description, state: f.state() })),
  });
  const chaosStateSchema = z.object({
    links: z.array(z.object({ node: z.string(), state: linkState })),
    faults: z.array(z.object({ name: z.string(), description: z.string(), state: z.unknown() })),
  });

  route({
    method: 'get',
    path: '/chaos',
    summary: 'Faults this service can inject, and their current state',
    tags: chaosTags,
    admin: true,
    responses: { 200: { description: 'Current faults', schema: chaosStateSchema } },
    handler: () => ({ status: 200, body: chaosState() }),
  });

  const linkNames = deps.links.map((l) => l.name);
  route({
    method: 'put',
    path: '/chaos/links/{node}',
    summary: 'Cut, slow or heal the link from this instance to one Redis node',
    description: `An app-level link fault: only this instance is affected. Nodes: ${linkNames.join(', ') || '(none)'}.`,
    tags: chaosTags,
    admin: true,
    params: z.object({ node: z.string().max(64) }),
    body: linkState,
    bodyExample: { mode: 'slow', delayMs: 300 },
    errors: ['NOT_FOUND'],
    responses: {
      200: { description: 'The link now', schema: z.object({ node: z.string(), state: linkState }) },
    },
    handler: ({ params, body }) => {
      const link = deps.links.find((l) => l.name === params.node);
      if (!link)
        throw new AppError(
          'NOT_FOUND',
          `No link named ${params.node}; known: ${linkNames.join(', ') || '(none)'}.`,
        );
      const state = body as LinkState;
      link.setLink(state);
      deps.emit({ kind: 'link', node: link.name, state });
      return { status: 200, body: { node: link.name, state: link.linkState() } };
    },
  });

  route({
    method: 'post',
    path: '/chaos/pause',
    summary: 'Freeze this whole process for `ms`, like a long GC pause or SIGSTOP',
    description:
      'Answers 202 first, then blocks the event loop: no requests, timers or heartbeats until it wakes.',
    tags: chaosTags,
    admin: true,
    body: z.strictObject({ ms: z.number().int().min(1).max(60_000) }),
    bodyExample: { ms: 5000 },
    responses: {
      202: {
        description: 'The pause starts once this answer is sent',
        schema: z.object({ pausedForMs: z.number() }),
      },
    },
    handler: ({ body, res }) => {
      deps.emit({ kind: 'pause', ms: body.ms });
      res.once('finish', () => setImmediate(() => freezeProcess(body.ms)));
      return { status: 202, body: { pausedForMs: body.ms } };
    },
  });

  for (const fault of deps.faults) {
    route({
      method: 'post',
      path: `/chaos/faults/${fault.name}`,
      summary: `Inject: ${fault.description}`,
      tags: chaosTags,
      admin: true,
      ...(fault.params ? { body: fault.params } : {}),
      ...(fault.errors ? { errors: [...fault.errors] } : {}),
      responses: { 200: { description: 'Injected; the fault state now', schema: z.unknown() } },
      handler: async ({ body }) => {
        await fault.inject(body);
        deps.emit({ kind: 'fault', name: fault.name, action: 'inject', params: body });
        return { status: 200, body: { name: fault.name, state: fault.state() } };
      },
    });
    route({
      method: 'delete',
      path: `/chaos/faults/${fault.name}`,
      summary: `Heal: ${fault.description}`,
      tags: chaosTags,
      admin: true,
      ...(fault.errors ? { errors: [...fault.errors] } : {}),
      responses: { 200: { description: 'Healed; the fault state now', schema: z.unknown() } },
      handler: async () => {
        await fault.heal();
        deps.emit({ kind: 'fault', name: fault.name, action: 'heal' });
        return { status: 200, body: { name: fault.name, state: fault.state() } };
      },
    });
  }

  route({
    method: 'delete',
    path: '/chaos',
    summary: 'Heal every fault: links back to ok, pattern faults healed',
    tags: chaosTags,
    admin: true,
    responses: { 200: { description: 'Everything healed', schema: chaosStateSchema } },
    handler: async () => {
      for (const link of deps.links) link.setLink({ mode: 'ok' });
      for (const fault of deps.faults) await fault.heal();
      deps.emit({ kind: 'heal-all' });
      return { status: 200, body: chaosState() };
    },
  });
}

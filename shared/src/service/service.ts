import type { EventEmitter } from 'node:events';
import type { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Server as SocketServer } from 'socket.io';
import type { ZodType } from 'zod';
import type { ChaosEvent } from './chaos.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { ReadinessCheck } from './readiness.ts';
import type { RouteSpec } from './route-spec.ts';

// What createService returns, declared apart so the kit's own routes can name it without importing the factory.
export interface Service {
  readonly name: string;
  readonly instance: string;
  readonly app: Express;
  readonly server: ReturnType<typeof createServer>;
  readonly io: SocketServer;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics['registry'];
  /** `chaos` events as faults are injected and healed, for the live view. */
  readonly events: EventEmitter<{ chaos: [ChaosEvent] }>;
  /** Registers a validated, documented route. */
  route<P extends ZodType | undefined, Q extends ZodType | undefined, B extends ZodType | undefined>(
    spec: RouteSpec<P, Q, B>,
  ): void;
  /** Mounts plain Express middleware (static files) after every API route, before the 404 handler. */
  use(path: string, ...handlers: express.RequestHandler[]): void;
  addReadinessCheck(check: ReadinessCheck): void;
  onClose(hook: () => unknown): void;
  openapi(): unknown;
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/**
 * What every pattern's `createApp(deps)` resolves to: the service, plus the parts its tests and `main.ts`
 * reach for (`PatternApp<{ ring: RingService }>`). One shape in seven patterns, so a reader who knows one
 * `app.ts` knows them all.
 */
export type PatternApp<Parts extends object = Record<never, never>> = {
  readonly service: Service;
} & Readonly<Parts>;

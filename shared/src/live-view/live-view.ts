import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Namespace } from 'socket.io';
import type { ChaosEvent, Service } from '../service/index.ts';
import { pageShellHtml } from './page-shell.ts';
import type { PageShell } from './page-shell.ts';

/** Live-view events are named `entity:action`, as in `lock:acquired` or `replica:repaired`. */
export type LiveEventName = `${string}:${string}`;
export type LiveEventMap = Record<LiveEventName, unknown>;

/** Events every live view receives from the kit itself. */
export interface KitLiveEvents {
  'lab:hello': { service: string; instance: string };
  'state:snapshot': unknown;
  'chaos:changed': ChaosEvent;
}

/** Sends a pattern's typed events to every open live view of this instance. */
export interface LiveChannel<E extends LiveEventMap> {
  emit<K extends keyof E & string>(event: K, payload: E[K]): void;
  readonly namespace: Namespace;
}

export const liveNamespace = '/live';
/** The shared browser client (layout, event log, socket.io wiring), served at /lab-kit/. */
export const kitWebDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');
/** d3's browser build, served from the installed package (never a CDN): the trace panel draws with it. */
// d3's `exports` hide dist/, so its folder is found from the package entry (src/index.js).
const d3Dir = path.join(path.dirname(createRequire(import.meta.url).resolve('d3')), '..', 'dist');

/**
 * Serves a pattern's page at `/` and the shared client at `/lab-kit/`, and
 * opens the `/live` socket.io namespace: each new page first gets a snapshot
 * of the state, then every event as it happens, so patterns only draw.
 */
export function mountLiveView<E extends LiveEventMap>(
  service: Service,
  options: {
    /** The pattern's `web/` folder: its drawing script, stylesheet and assets. */
    pageDir: string;
    /** The page at `/`, built on the kit's shell (without it, `pageDir/index.html` is served). */
    page?: PageShell;
    snapshot?: () => unknown;
  },
): LiveChannel<E> {
  service.use('/lab-kit/vendor', express.static(d3Dir, { index: false, maxAge: '1h' }));
  service.use('/lab-kit', express.static(kitWebDir, { index: false, maxAge: 0 }));
  if (options.page) {
    const html = pageShellHtml(options.page);
    const servePage: express.RequestHandler = (req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      if (req.path !== '/' && req.path !== '/index.html') return next();
      res.type('html').set('cache-control', 'no-cache').send(html);
    };
    service.use('/', servePage);
  }
  service.use('/', express.static(options.pageDir, { index: 'index.html', maxAge: 0 }));
  const namespace = service.io.of(liveNamespace);
  namespace.on('connection', (socket) => {
    socket.emit('lab:hello', { service: service.name, instance: service.instance });
    if (options.snapshot) {
      Promise.resolve()
        .then(options.snapshot)
        .then(
          (state) => socket.emit('state:snapshot', state),
          (error: unknown) => service.logger.warn({ err: error }, 'live view snapshot failed'),
        );
    }
  });
  service.events.on('chaos', (event) => namespace.emit('chaos:changed', event));
  return {
    namespace,
    emit: (event, payload) => {
      // socket.io encodes a broadcast even for an empty room: 2 % of the lock service's busy time under load
      // went to events no page was open to see. The live namespace is local to the instance (no adapter).
      if (namespace.sockets.size === 0) return;
      namespace.emit(event, payload);
    },
  };
}

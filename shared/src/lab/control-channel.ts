import http from 'node:http';
import { z } from 'zod';
import { LabError } from './lab-error.ts';
import { processRecordSchema, type LabState, type ProcessRecord } from './state-file.ts';

/**
 * How `lab kill|restart|pause|resume` reach a running supervisor: one loopback
 * HTTP call, `POST /processes/<name>/<action>` with the token from the state
 * file. The supervisor acts, so a restarted process is still its child: its logs
 * keep streaming and the reaper still covers it.
 */

export const processActions = ['kill', 'restart', 'pause', 'resume'] as const;
export type ProcessAction = (typeof processActions)[number];

export type ControlReply =
  { readonly ok: true; readonly process: ProcessRecord } | { readonly ok: false; readonly error: string };

export type ControlHandler = (name: string, action: ProcessAction) => Promise<ProcessRecord>;

export interface ControlServer {
  readonly port: number;
  close(): Promise<void>;
}

const tokenHeader = 'x-lab-token';
const isAction = (value: string): value is ProcessAction =>
  (processActions as readonly string[]).includes(value);

function reply(response: http.ServerResponse, status: number, body: ControlReply): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function startControlServer(token: string, handler: ControlHandler): Promise<ControlServer> {
  const server = http.createServer((request, response) => {
    const match = /^\/processes\/([^/]+)\/([^/]+)$/.exec(request.url ?? '');
    request.resume();
    if (request.headers[tokenHeader] !== token)
      return reply(response, 403, { ok: false, error: 'bad token' });
    const [, name, action] = match ?? [];
    if (request.method !== 'POST' || name === undefined || action === undefined || !isAction(action)) {
      return reply(response, 404, {
        ok: false,
        error: `unknown control call ${request.method} ${request.url}`,
      });
    }
    handler(decodeURIComponent(name), action).then(
      (process) => reply(response, 200, { ok: true, process }),
      (error: unknown) =>
        reply(response, 409, { ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      if (!address || typeof address !== 'object') return reject(new Error('control server has no port'));
      resolve({
        port: address.port,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

const replySchema = z.union([
  z.object({ ok: z.literal(true), process: processRecordSchema }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/** Asks the pattern's supervisor to act on one process; rejects with LabError when it refuses. */
export function sendControl(
  state: LabState,
  name: string,
  action: ProcessAction,
  timeoutMs: number,
): Promise<ProcessRecord> {
  const { controlPort } = state;
  if (controlPort === null) throw new LabError(`${state.pattern} is still starting; try again in a moment`);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: controlPort,
        method: 'POST',
        path: `/processes/${encodeURIComponent(name)}/${action}`,
        headers: { [tokenHeader]: state.controlToken },
        agent: false,
        timeout: timeoutMs,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          try {
            const parsed = replySchema.parse(JSON.parse(body));
            if (parsed.ok) resolve(parsed.process);
            else reject(new LabError(parsed.error));
          } catch {
            reject(new LabError(`the ${state.pattern} supervisor sent an unreadable reply: ${body}`));
          }
        });
      },
    );
    request.on('timeout', () =>
      request.destroy(new LabError(`the ${state.pattern} supervisor did not answer within ${timeoutMs} ms`)),
    );
    request.on('error', (error) => reject(error instanceof LabError ? error : new LabError(error.message)));
    request.end();
  });
}

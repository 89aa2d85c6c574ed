import { Agent, request } from 'node:http';

/** A JSON call that resolves with the parsed body of a 2xx answer and rejects on anything else. */
export type JsonCall = (url: string, body?: unknown) => Promise<{ token: string }>;

/**
 * node:http with keep-alive, one socket per loop: the load generator must cost less than the
 * service it measures (fetch costs more), and no request pays for a new connection.
 */
export function jsonClient(maxSockets: number): { call: JsonCall; close: () => void } {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const call: JsonCall = (url, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? '' : JSON.stringify(body);
      const req = request(
        url,
        {
          method: body === undefined ? 'GET' : 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 300) reject(new Error(`${res.statusCode} ${text}`));
            else resolve(text ? (JSON.parse(text) as { token: string }) : { token: '' });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { call, close: () => agent.destroy() };
}

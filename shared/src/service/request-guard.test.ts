import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { io as ioClient } from 'socket.io-client';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createService } from './create-service.ts';
import type { Service } from './create-service.ts';
import { hostNameOf } from './request-guard.ts';
import { z } from './zod.ts';

const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

/** A service with one state-changing route that counts its calls, so a refused request can be seen to change nothing. */
function guardedService(options: { adminToken?: string; logger?: pino.Logger } = {}) {
  const calls = { count: 0 };
  const service = createService({ name: 'guard-test', instance: 'guard-a', ...options });
  service.route({
    method: 'post',
    path: '/counters/{id}/bump',
    summary: 'Bump a counter',
    params: z.object({ id: z.string() }),
    responses: { 200: { description: 'Bumped', schema: z.object({ count: z.number() }) } },
    handler: () => {
      calls.count += 1;
      return { status: 200, body: { count: calls.count } };
    },
  });
  service.route({
    method: 'put',
    path: '/values/{id}',
    summary: 'Store a value',
    params: z.object({ id: z.string() }),
    body: z.object({ value: z.string() }),
    responses: { 200: { description: 'Stored' } },
    handler: () => {
      calls.count += 1;
      return { status: 200, body: {} };
    },
  });
  service.route({
    method: 'delete',
    path: '/evidence',
    summary: 'Erase the evidence',
    admin: true,
    responses: { 204: { description: 'Erased' } },
    handler: () => {
      calls.count += 1;
      return { status: 204 };
    },
  });
  services.push(service);
  return { service, calls };
}

describe('request guard: bodies a parser cannot decode', () => {
  it.each(['gzip', 'deflate', 'br'])(
    'when a plain JSON body claims Content-Encoding %s, then 400 MALFORMED_BODY problem+json and nothing is written',
    async (encoding) => {
      const { service, calls } = guardedService();
      const res = await request(service.server)
        .put('/values/a')
        .set('content-type', 'application/json')
        .set('content-encoding', encoding)
        .send('{"value":"x"}');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'MALFORMED_BODY', outcome: 'not_applied' });
      expect(calls.count).toBe(0);
    },
  );
});

describe('request guard: DNS rebinding and cross-site requests', () => {
  it('when the Host header names another site (DNS rebinding), then 403 HOST_NOT_ALLOWED even for a read', async () => {
    const { service } = guardedService();
    const res = await request(service.server).get('/openapi.json').set('host', 'evil.example:7401');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'HOST_NOT_ALLOWED' });
  });

  it('when the Host is loopback or the instance name, then the request is served', async () => {
    const { service } = guardedService();
    for (const host of ['127.0.0.1:7401', 'localhost:7401', '[::1]:7401', 'guard-a:7401', 'LOCALHOST']) {
      const res = await request(service.server).get('/openapi.json').set('host', host);
      expect(res.status, host).toBe(200);
    }
  });

  it('when a page on another origin sends a simple bodiless POST, then 403 and the handler never runs', async () => {
    const { service, calls } = guardedService();
    const res = await request(service.server)
      .post('/counters/a/bump')
      .set('origin', 'https://evil.example')
      .set('content-type', 'text/plain');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'CROSS_ORIGIN_REFUSED', outcome: 'not_applied' });
    const opaque = await request(service.server).post('/counters/a/bump').set('origin', 'null');
    expect(opaque.status).toBe(403);
    expect(calls.count).toBe(0);
  });

  it('when the page is the service itself (Swagger UI, the live view) or a tool without Origin, then it may change state', async () => {
    const { service, calls } = guardedService();
    const sameOrigin = await request(service.server)
      .post('/counters/a/bump')
      .set('host', '127.0.0.1:7401')
      .set('origin', 'http://127.0.0.1:7401');
    expect(sameOrigin.status).toBe(200);
    const curl = await request(service.server).post('/counters/a/bump');
    expect(curl.status).toBe(200);
    expect(calls.count).toBe(2);
  });

  it('when a socket.io client connects from another origin, then the handshake is refused; same-origin connects', async () => {
    const { service } = guardedService();
    const { port } = await service.listen(0);
    const refused = ioClient(`http://127.0.0.1:${port}`, {
      transports: ['polling'],
      extraHeaders: { origin: 'https://evil.example' },
      reconnection: false,
    });
    const error = await new Promise<Error>((resolve) => refused.once('connect_error', resolve));
    expect(error.message).toMatch(/xhr poll error|not allowed|Forbidden/i);
    refused.close();
    const accepted = ioClient(`http://127.0.0.1:${port}`, {
      transports: ['polling'],
      extraHeaders: { origin: `http://127.0.0.1:${port}` },
      reconnection: false,
    });
    await new Promise<void>((resolve) => accepted.once('connect', resolve));
    accepted.close();
  });

  it('splits host names with ports, IPv6 brackets and case', () => {
    expect(hostNameOf('Example.COM:80')).toBe('example.com');
    expect(hostNameOf('[::1]:7401')).toBe('[::1]');
    expect(hostNameOf('localhost')).toBe('localhost');
  });
});

describe('request guard: admin routes and credentials', () => {
  it('when a token is configured, then an admin route refuses a missing or wrong token with 401 and changes nothing', async () => {
    const { service, calls } = guardedService({ adminToken: 's3cret' });
    expect((await request(service.server).delete('/evidence')).status).toBe(401);
    expect(
      (await request(service.server).delete('/evidence').set('x-admin-token', 's3cret')).status,
      'the second header is gone: one way to send the token',
    ).toBe(401);
    expect(calls.count).toBe(0);
  });

  it('accepts the Bearer scheme in any letter case (RFC 9110)', async () => {
    const { service, calls } = guardedService({ adminToken: 's3cret' });
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await request(service.server).delete('/evidence').set('authorization', `${scheme} s3cret`);
      expect(res.status, scheme).toBe(204);
    }
    expect(calls.count).toBe(3);
  });

  it('when a request carries the admin token or cookies, then the request log shows neither', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const { service } = guardedService({ adminToken: 's3cret', logger: pino({ level: 'info' }, sink) });
    await request(service.server)
      .delete('/evidence')
      .set('authorization', 'Bearer s3cret')
      .set('cookie', 'session=abc123');
    const log = lines.join('');
    expect(log).toContain('/evidence');
    expect(log).not.toContain('s3cret');
    expect(log).not.toContain('abc123');
  });
});

describe('request guard: what Node parses itself', () => {
  it('when the URL is longer than the header limit, then 431 in problem+json, not an empty body', async () => {
    const { service } = guardedService();
    const { port } = await service.listen(0);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET /values/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'close');
    const raw = Buffer.concat(chunks).toString();
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(raw).toContain('application/problem+json');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'HEADERS_TOO_LARGE' });
  });

  it('when HOST is unset, then the service listens on loopback only', async () => {
    const { service } = guardedService();
    const address = await service.listen(0);
    expect(address.address).toBe('127.0.0.1');
  });
});

import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createService } from './create-service.ts';
import { z } from './zod.ts';

// The route table stands in for Express's Router: these are the Router's rules a client could notice.
const service = createService({ name: 'route-table-test' });
service.route({
  method: 'get',
  path: '/shelves/{shelf}/books/{book}',
  summary: 'A book',
  params: z.object({ shelf: z.string(), book: z.string() }),
  responses: { 200: { description: 'Where it was found' } },
  handler: ({ params }) => ({ status: 200, body: { route: 'book', ...params } }),
});
service.route({
  method: 'get',
  path: '/shelves/{shelf}/books/first',
  summary: 'Never reached: the route above was added first and matches the same path',
  params: z.object({ shelf: z.string() }),
  responses: { 200: { description: 'never' } },
  handler: () => ({ status: 200, body: { route: 'first' } }),
});
service.route({
  method: 'get',
  path: '/healthz',
  summary: "A pattern route on a kit route's path: pattern routes are tried first",
  responses: { 200: { description: 'the pattern answered' } },
  handler: () => ({ status: 200, body: { route: 'pattern healthz' } }),
});
service.route({
  method: 'delete',
  path: '/shelves/{shelf}',
  summary: 'Empties a shelf',
  params: z.object({ shelf: z.string() }),
  responses: { 204: { description: 'Emptied' } },
  handler: () => ({ status: 204 }),
});
afterAll(() => service.close());

describe('the route table', () => {
  it('when a path has parameters, then each is one decoded segment', async () => {
    const res = await request(service.server).get('/shelves/a%20b/books/c%2Fd');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ route: 'book', shelf: 'a b', book: 'c/d' });
  });

  it('when the path differs in case or ends in one slash, then the same route answers, as with Express', async () => {
    for (const path of ['/SHELVES/x/Books/y', '/shelves/x/books/y/']) {
      const res = await request(service.server).get(path);
      expect(res.body).toEqual({ route: 'book', shelf: 'x', book: 'y' });
    }
  });

  it('when the path carries a query string, then the route is matched on the path alone', async () => {
    const res = await request(service.server).get('/shelves/x/books/y?sort=title&page=2');
    expect(res.body).toEqual({ route: 'book', shelf: 'x', book: 'y' });
  });

  it('when a parameter segment is empty or the path goes on, then no route matches: 404', async () => {
    expect((await request(service.server).get('/shelves/x/books/')).status).toBe(404);
    expect((await request(service.server).get('/shelves/x/books/y/z')).status).toBe(404);
  });

  it('when two routes match one path, then the one added first answers', async () => {
    expect((await request(service.server).get('/shelves/x/books/first')).body.route).toBe('book');
  });

  it("when a pattern route has a kit route's path, then the pattern's answers", async () => {
    expect((await request(service.server).get('/healthz')).body).toEqual({ route: 'pattern healthz' });
  });

  it('when a GET route is asked with HEAD, then it answers without a body', async () => {
    const res = await request(service.server).head('/shelves/x/books/y');
    expect(res.status).toBe(200);
    expect(res.text).toBeUndefined();
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
  });

  it('when a path is asked with OPTIONS, then 204 with the methods it takes in Allow', async () => {
    const res = await request(service.server).options('/shelves/x');
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('DELETE');
  });

  it('when a route answers, then its metrics are labelled by its template', async () => {
    await request(service.server).delete('/shelves/x');
    const metrics = await request(service.server).get('/metrics');
    expect(metrics.text).toContain(
      'http_requests_total{method="DELETE",route="/shelves/:shelf",status="204"',
    );
  });
});

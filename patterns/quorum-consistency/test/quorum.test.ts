import { stopAllRedis } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  configureBoth,
  defaultSettings,
  startLab,
  valuesIn,
  valuesOn,
  waitFor,
  waitForReplica,
} from './support/quorum-consistency-lab.ts';
import type { Lab } from './support/quorum-consistency-lab.ts';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab?.close();
  await stopAllRedis();
});

beforeEach(async () => {
  await configureBoth(lab, defaultSettings);
});

const put = (app: Lab['a'], key: string, body: object, query = '') =>
  request(app.server).put(`/kv/${key}${query}`).send(body);
const get = (app: Lab['a'], key: string, query = '') => request(app.server).get(`/kv/${key}${query}`);

describe('quorum reads and writes (N=3, W=2, R=2, real redis-servers)', () => {
  it('when a write is acknowledged, then either coordinator reads it back with its clock and context', async () => {
    const written = await put(lab.a, 'greeting', { value: 'hello' });
    expect(written.status).toBe(200);
    expect(written.body).toMatchObject({ key: 'greeting', acks: 3, needed: 2, hinted: [] });
    expect(written.body.clock).toEqual({ 'quorum-a': { counter: 1, timestamp: 0 } });

    for (const app of [lab.a, lab.b]) {
      const read = await get(app, 'greeting');
      expect(read.status).toBe(200);
      expect(read.body.values).toEqual([
        expect.objectContaining({ value: 'hello', clock: written.body.clock }),
      ]);
      expect(read.body.answeredBy).toHaveLength(2);
    }
  });

  it('a write acknowledged with W=2 survives the loss of any one replica, read back from either coordinator', async () => {
    for (const down of ['replica-1', 'replica-2', 'replica-3']) {
      await lab.replica(down).kill();
      const acked: { key: string; value: string }[] = [];
      for (let i = 0; i < 6; i++) {
        const key = `survivor-${down}-${i}`;
        const response = await put(i % 2 === 0 ? lab.a : lab.b, key, { value: `v${i}` });
        expect(response.status).toBe(200);
        expect(response.body.acks).toBeGreaterThanOrEqual(2);
        expect(response.body.replicas).toContainEqual(expect.objectContaining({ node: down, ok: false }));
        acked.push({ key, value: `v${i}` });
      }
      for (const { key, value } of acked) {
        for (const app of [lab.a, lab.b]) {
          const read = await get(app, key);
          expect(read.status).toBe(200);
          expect(valuesIn(read.body)).toContain(value);
        }
      }
      await lab.replica(down).restart();
      await waitForReplica(lab.a, down);
      await waitForReplica(lab.b, down);
    }
    for (const app of [lab.a, lab.b]) {
      const check = await request(app.server).get('/check');
      expect(check.body.valid).toBe(true);
      expect(check.body.summary).toMatch(/every read that began after a write was acknowledged returned it/);
      expect(check.body.summary).toMatch(/acknowledged writes is still held by a replica or superseded/);
    }
    // Hints delivered and a round of anti-entropy later, every replica holds the same data.
    await request(lab.a.server).post('/hints/replay');
    await request(lab.a.server).post('/anti-entropy');
    const check = await request(lab.a.server).get('/check');
    expect(check.body.details.haveConverged).toBe(true);
  });

  it('when two coordinators write without a shared context, then a read returns both as siblings; a write with that context replaces both', async () => {
    await put(lab.a, 'cart', { value: 'apples' });
    await put(lab.b, 'cart', { value: 'pears' });
    const read = await get(lab.a, 'cart', '?r=3');
    expect(valuesIn(read.body).sort()).toEqual(['apples', 'pears']);

    const merged = await put(lab.b, 'cart', { value: 'apples+pears', context: read.body.context });
    expect(merged.status).toBe(200);
    const after = await get(lab.a, 'cart', '?r=3');
    expect(after.body.values).toEqual([expect.objectContaining({ value: 'apples+pears' })]);
    expect(Object.keys(after.body.values[0].clock).sort()).toEqual(['quorum-a', 'quorum-b']);
  });

  it('when both coordinators write with the same stale context, then both writes survive as siblings of each other', async () => {
    await put(lab.a, 'doc', { value: 'v1' });
    const context = (await get(lab.b, 'doc')).body.context as string;
    expect((await put(lab.a, 'doc', { value: 'edit by a', context })).status).toBe(200);
    expect((await put(lab.b, 'doc', { value: 'edit by b', context })).status).toBe(200);
    const read = await get(lab.a, 'doc', '?r=3');
    // Both edits superseded v1, but neither saw the other.
    expect(valuesIn(read.body).sort()).toEqual(['edit by a', 'edit by b']);
  });

  it('when the same coordinator writes twice from one stale context, then no write gets the clock of another', async () => {
    const first = await put(lab.a, 'stale-context', { value: 'one' });
    const second = await put(lab.a, 'stale-context', { value: 'two' });
    expect(second.body.clock['quorum-a'].counter).toBeGreaterThan(first.body.clock['quorum-a'].counter);
  });

  it('under last-write-wins the same two writes leave one value: the other is silently lost, and /check says so', async () => {
    await configureBoth(lab, { conflictPolicy: 'lww' });
    await request(lab.a.server).delete('/history');
    const first = await put(lab.a, 'lww-cart', { value: 'apples' });
    const second = await put(lab.b, 'lww-cart', { value: 'pears' });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const read = await get(lab.a, 'lww-cart', '?r=3');
    expect(valuesIn(read.body)).toEqual(['pears']);
    const check = await request(lab.a.server).get('/check');
    expect(check.body.valid).toBe(false);
    expect(check.body.summary).toMatch(/lost write/);
    // Both promises fail: the read missed it, and no replica holds it any more.
    expect(check.body.details).toMatchObject({ reads: false, durability: false });
  });

  it('/check on one coordinator judges what the other served too: a write lost through quorum-b is named by quorum-a', async () => {
    await configureBoth(lab, { conflictPolicy: 'lww' });
    await request(lab.a.server).delete('/history');
    await request(lab.b.server).delete('/history');
    expect((await put(lab.b, 'lww-peer', { value: 'first' })).status).toBe(200);
    // Timestamps are in ms: let one pass so the second write is the later one, not a tie.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await put(lab.a, 'lww-peer', { value: 'second' })).status).toBe(200);
    const check = await request(lab.a.server).get('/check');
    expect(check.body.valid).toBe(false);
    // The summary's first count is the kit's checkedOperations: what quorum-a itself served.
    expect(check.body.checkedOperations).toBe(1);
    expect(check.body.summary).toMatch(
      /^Over 1 operation served here by quorum-a and 1 from quorum-b \(2 in all\)/,
    );
    expect(check.body.details.operationsByCoordinator).toEqual({ 'quorum-a': 1, 'quorum-b': 1 });
    expect(check.body.summary).toMatch(
      /Write quorum-b#\d+ of "lww-peer" was acknowledged, but no replica holds it/,
    );
  });

  it('when fewer than W replicas are reachable, then the write is 503 QUORUM_NOT_REACHED with an indeterminate outcome', async () => {
    await lab.replica('replica-2').kill();
    await lab.replica('replica-3').kill();
    try {
      const response = await put(lab.a, 'no-quorum', { value: 'x' });
      expect(response.status).toBe(503);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body).toMatchObject({
        code: 'QUORUM_NOT_REACHED',
        outcome: 'indeterminate',
        acks: 1,
        needed: 2,
      });
      const ready = await request(lab.a.server).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.code).toBe('NOT_READY');

      const read = await get(lab.b, 'no-quorum');
      expect(read.status).toBe(503);
      expect(read.body).toMatchObject({
        code: 'QUORUM_NOT_REACHED',
        outcome: 'not_applied',
        acks: 1,
        needed: 2,
      });

      // The write reached replica-1 and stays there: a read at R=1 can see it, which is why the outcome is indeterminate.
      const raw = await request(lab.a.server).get('/kv/no-quorum/replicas');
      expect(raw.body.replicas[0].versions[0].value).toBe('x');
    } finally {
      await lab.replica('replica-2').restart();
      await lab.replica('replica-3').restart();
      for (const node of ['replica-2', 'replica-3']) {
        await waitForReplica(lab.a, node);
        await waitForReplica(lab.b, node);
      }
    }
  });

  it('when no replica in the read quorum has the key, then the read is 404 KEY_NOT_FOUND', async () => {
    const response = await get(lab.a, 'never-written');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('KEY_NOT_FOUND');
  });

  it('a delete is a tombstone: the key reads 404, and a write with the tombstone’s context brings it back on purpose', async () => {
    await put(lab.a, 'to-delete', { value: 'v1' });
    const read = await get(lab.a, 'to-delete');
    const deleted = await request(lab.b.server).delete('/kv/to-delete').send({ context: read.body.context });
    expect(deleted.status).toBe(200);
    const gone = await get(lab.a, 'to-delete', '?r=3');
    expect(gone.status).toBe(404);
    expect(gone.body.isDeleted).toBe(true);
    const raw = await request(lab.a.server).get('/kv/to-delete/replicas');
    for (const replica of raw.body.replicas)
      expect(replica.versions).toEqual([expect.objectContaining({ isTombstone: true })]);

    const rewritten = await put(lab.a, 'to-delete', { value: 'v2', context: gone.body.context });
    expect(rewritten.status).toBe(200);
    expect((await get(lab.b, 'to-delete')).body.values).toEqual([expect.objectContaining({ value: 'v2' })]);
  });

  it('with answerAtQuorum on, a write answers at W while a slow replica is still pending, and that replica still gets it', async () => {
    await configureBoth(lab, { answerAtQuorum: true });
    // The first write teaches quorum-a its counter for the key, so the second reads no replica before sending.
    expect((await put(lab.a, 'at-quorum', { value: 'v1' })).status).toBe(200);
    await request(lab.a.server).put('/chaos/links/replica-3').send({ mode: 'slow', delayMs: 3_000 });
    try {
      const written = await put(lab.a, 'at-quorum', { value: 'v2' });
      expect(written.status).toBe(200);
      expect(written.body).toMatchObject({ acks: 2, needed: 2, hinted: [] });
      expect(written.body.replicas).toContainEqual({ node: 'replica-3', status: 'pending', ok: false });
    } finally {
      await request(lab.a.server).delete('/chaos');
    }
    // The send already under way finishes in the background.
    await waitFor('replica-3 to hold v2', async () =>
      ((await valuesOn(lab.b, 'at-quorum'))['replica-3'] ?? []).includes('v2'),
    );
  });

  it('when a write quorum is given per request, then it overrides the configured W (and W > N is refused)', async () => {
    await lab.replica('replica-3').kill();
    try {
      expect((await put(lab.a, 'per-request', { value: 'x' }, '?w=3')).status).toBe(503);
      expect((await put(lab.a, 'per-request', { value: 'x' }, '?w=1')).status).toBe(200);
      const tooMany = await put(lab.a, 'per-request', { value: 'x' }, '?w=4');
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.code).toBe('INVALID_QUORUM');
    } finally {
      await lab.replica('replica-3').restart();
      await waitForReplica(lab.a, 'replica-3');
      await waitForReplica(lab.b, 'replica-3');
    }
  });
});

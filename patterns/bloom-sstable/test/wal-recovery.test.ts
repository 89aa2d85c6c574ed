import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWalRecord } from '../src/domain/wal-record.ts';
import { LsmEngine } from '../src/engines/lsm/lsm-engine.ts';
import { engineOptions, removeTempDirs, tempDataDir } from './support/bloom-sstable-lab.ts';

afterAll(() => removeTempDirs());

const walFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.log'));

/** Writes `count` keys without a flush and closes nothing: the WAL is all there is, as after kill -9. */
async function writeAndAbandon(dir: string, count: number): Promise<string> {
  const engine = await LsmEngine.open(engineOptions(dir, { fsync: 'always', memtableBytes: 1024 * 1024 }));
  for (let i = 0; i < count; i++) await engine.put(`k${i}`, `v${i}`);
  const [wal] = walFiles(dir);
  if (!wal) throw new Error('no WAL file');
  return path.join(dir, wal);
}

describe('WAL recovery', () => {
  it('when the process dies without a flush, then reopening replays every record into a table', async () => {
    const dir = tempDataDir('wal-replay');
    await writeAndAbandon(dir, 50);
    const engine = await LsmEngine.open(engineOptions(dir));
    expect(engine.recovery).toMatchObject({ records: 50, discardedBytes: 0 });
    for (let i = 0; i < 50; i++) expect(engine.get(`k${i}`).entry?.value).toBe(`v${i}`);
    expect(engine.currentSeq).toBe(50);
    await engine.close();
  });

  it('when the WAL tail is truncated mid-record, then the store starts, reports the discarded bytes and keeps every record before', async () => {
    const dir = tempDataDir('wal-truncate');
    const wal = await writeAndAbandon(dir, 20);
    const size = statSync(wal).size;
    writeFileSync(wal, readFileSync(wal).subarray(0, size - 5));
    const engine = await LsmEngine.open(engineOptions(dir));
    expect(engine.recovery.records).toBe(19);
    expect(engine.recovery.discardedBytes).toBeGreaterThan(0);
    expect(engine.recovery.stopReasons.join()).toMatch(/torn/);
    for (let i = 0; i < 19; i++) expect(engine.get(`k${i}`).entry?.value).toBe(`v${i}`);
    expect(engine.get('k19').entry).toBeUndefined();
    await engine.close();
  });

  it('when an MSET is the WAL tail and it is torn, then none of its keys comes back and every write before it does', async () => {
    const dir = tempDataDir('wal-mset');
    const wal = await writeAndAbandon(dir, 5);
    const writer = await LsmEngine.open(engineOptions(dir, { fsync: 'always', memtableBytes: 1024 * 1024 }));
    const { seqs } = await writer.putAll([
      { key: 'm1', value: 'a' },
      { key: 'm2', value: 'b' },
      { key: 'm3', value: 'c' },
    ]);
    expect(seqs).toEqual([6, 7, 8]);
    // Abandoned as after kill -9: the batch is the last record of the newest WAL.
    const [newest] = walFiles(dir).sort().reverse();
    const batchWal = path.join(dir, newest ?? '');
    expect(batchWal).not.toBe(wal);
    const whole = readFileSync(batchWal);
    writeFileSync(batchWal, whole.subarray(0, whole.length - 5));
    const torn = await LsmEngine.open(engineOptions(dir));
    expect(['m1', 'm2', 'm3'].map((k) => torn.get(k).entry?.value)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(torn.get('k4').entry?.value).toBe('v4');
    await torn.close();
  });

  it('when the last record is corrupted or garbage is appended, then only the bad bytes are dropped', async () => {
    const dir = tempDataDir('wal-corrupt');
    const wal = await writeAndAbandon(dir, 10);
    const bytes = readFileSync(wal);
    bytes[bytes.length - 2] = (bytes[bytes.length - 2] ?? 0) ^ 0xff;
    writeFileSync(wal, bytes);
    appendFileSync(wal, Buffer.from('garbage after the tail'));
    const engine = await LsmEngine.open(engineOptions(dir));
    expect(engine.recovery.records).toBe(9);
    expect(engine.recovery.stopReasons.join()).toMatch(/checksum/);
    expect(engine.get('k8').entry?.value).toBe('v8');
    // Writes continue after recovery with seqs above every recovered one.
    expect((await engine.put('after', 'x')).seq).toBeGreaterThan(9);
    await engine.close();
    const reopened = await LsmEngine.open(engineOptions(dir));
    expect(reopened.recovery.discardedBytes).toBe(0);
    expect(reopened.get('after').entry?.value).toBe('x');
    await reopened.close();
  });

  it('when an older WAL has a corrupt record, then replay stops there: the newer WAL is not replayed but kept in lost/ and reported', async () => {
    const dir = tempDataDir('wal-two');
    mkdirSync(dir, { recursive: true });
    const records = (from: number, to: number) =>
      Buffer.concat(
        Array.from({ length: to - from + 1 }, (_, i) =>
          encodeWalRecord({ key: `w${from + i}`, seq: from + i, kind: 'put', value: `v${from + i}` }),
        ),
      );
    const older = records(1, 3);
    const secondStart = encodeWalRecord({ key: 'w1', seq: 1, kind: 'put', value: 'v1' }).length;
    older[secondStart + 10] = (older[secondStart + 10] ?? 0) ^ 0xff;
    writeFileSync(path.join(dir, '000001.log'), older);
    writeFileSync(path.join(dir, '000002.log'), records(4, 5));
    const engine = await LsmEngine.open(engineOptions(dir));
    expect(engine.get('w1').entry?.value).toBe('v1');
    // Prefix rule: nothing after the first bad record, not even the newer log's writes.
    for (const key of ['w2', 'w3', 'w4', 'w5']) expect(engine.get(key).entry).toBeUndefined();
    expect(engine.recovery.stopReasons.join('\n')).toMatch(/000001\.log: checksum/);
    expect(engine.recovery.stopReasons.join('\n')).toMatch(/000002\.log: not replayed \(2 records/);
    expect(readdirSync(path.join(dir, 'lost'))).toEqual(['000002.log']);
    await engine.close();
  });

  it('when leftover files of a crashed flush lie in the directory, then they are deleted and the manifest set is served', async () => {
    const dir = tempDataDir('leftovers');
    const engine = await LsmEngine.open(engineOptions(dir));
    await engine.put('a', '1');
    await engine.flush();
    await engine.close();
    writeFileSync(path.join(dir, '999999.sst'), 'half a table');
    writeFileSync(path.join(dir, 'MANIFEST.tmp'), 'half a manifest');
    const reopened = await LsmEngine.open(engineOptions(dir));
    expect(readdirSync(dir)).not.toContain('999999.sst');
    expect(readdirSync(dir)).not.toContain('MANIFEST.tmp');
    expect(reopened.get('a').entry?.value).toBe('1');
    await reopened.close();
  });
});

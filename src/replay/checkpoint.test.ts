import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checkpoint, defaultCheckpointPath, type CheckpointIdentity } from './checkpoint.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loghose-checkpoint-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const identity: CheckpointIdentity = { source: 's3://logs/AWSLogs/', from: '2024-05-01', to: '2024-05-07', via: 'queue', target: 'queue:https://q' };

describe('Checkpoint', () => {
  it('names the default file after source, range, via and target', () => {
    const path = defaultCheckpointPath(identity);
    expect(path).toMatch(/^\.loghose\/replay-[0-9a-f]{16}\.json$/);
    expect(defaultCheckpointPath({ ...identity, to: '2024-05-08' })).not.toBe(path);
    expect(defaultCheckpointPath({ ...identity, via: 'lambda' })).not.toBe(path);
    expect(defaultCheckpointPath({ ...identity })).toBe(path);
  });

  it('records done objects atomically and reads them back', async () => {
    const path = join(dir, 'a', 'replay.json');
    const checkpoint = await Checkpoint.open(path, identity);
    expect(checkpoint.resumed).toBe(false);
    // Concurrent saves coalesce and every one resolves after its object is on disk.
    await Promise.all(Array.from({ length: 20 }, (_, i) => checkpoint.markDone([{ key: `k${i}`, size: i, etag: `e${i}` }])));
    const names = await readdir(join(dir, 'a'));
    expect(names).toEqual(['replay.json']);
    const reopened = await Checkpoint.open(path, identity);
    expect(reopened.resumed).toBe(true);
    expect(reopened.doneCount).toBe(20);
    expect(reopened.status({ key: 'k3', size: 3, etag: 'e3' })).toBe('done');
    expect(reopened.status({ key: 'k3', size: 3, etag: 'other' })).toBe('changed');
    expect(reopened.status({ key: 'k3', size: 4 })).toBe('changed');
    expect(reopened.status({ key: 'k99', size: 1 })).toBe('new');
    expect(reopened.status({ key: 'constructor', size: 1 })).toBe('new');
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved.identity).toEqual(identity);
  });

  it('compares mtimes when there is no ETag (local files)', async () => {
    const checkpoint = await Checkpoint.open(join(dir, 'b.json'), identity);
    await checkpoint.markDone([{ key: 'f', size: 10, mtime: 1000.5 }]);
    expect(checkpoint.status({ key: 'f', size: 10, mtime: 1000.9 })).toBe('done');
    expect(checkpoint.status({ key: 'f', size: 10, mtime: 2000 })).toBe('changed');
  });

  it('refuses a checkpoint of another replay, and a file that is not one', async () => {
    const path = join(dir, 'c.json');
    await (await Checkpoint.open(path, identity)).save();
    await expect(Checkpoint.open(path, { ...identity, via: 'lambda' })).rejects.toThrow(/another replay/);
    // Another range over the same source and target may share it.
    expect((await Checkpoint.open(path, { ...identity, to: '2024-05-09' })).resumed).toBe(true);
    await writeFile(join(dir, 'd.json'), '{not json');
    await expect(Checkpoint.open(join(dir, 'd.json'), identity)).rejects.toThrow(/not valid JSON/);
    await writeFile(join(dir, 'e.json'), '{"hello":1}');
    await expect(Checkpoint.open(join(dir, 'e.json'), identity)).rejects.toThrow(/not a loghose replay checkpoint/);
  });

  it('remembers an overwrite and whether the run completed; reset forgets done objects', async () => {
    const path = join(dir, 'f.json');
    const checkpoint = await Checkpoint.open(path, identity);
    await checkpoint.markDone([{ key: 'x', size: 1 }]);
    await checkpoint.begin();
    expect(checkpoint.completed).toBe(false);
    checkpoint.reset();
    await checkpoint.markOverwritten({ from: '2024-05-01', to: '2024-05-07', tables: ['alb'], at: 'now' });
    await checkpoint.markCompleted();
    const reopened = await Checkpoint.open(path, identity);
    expect(reopened.doneCount).toBe(0);
    expect(reopened.overwrite?.tables).toEqual(['alb']);
    expect(reopened.completed).toBe(true);
  });
});

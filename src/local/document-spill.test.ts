import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DocumentSpill, SpillDirectory, WriteBacklog } from './document-spill.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loghose-spill-test-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

/** A flag that settles after every pending promise callback of the spill has run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DocumentSpill', () => {
  it('writes appends in order, adding a newline only where one is missing', async () => {
    const spill = new SpillDirectory(dir).open();
    spill.append(bytes('{"a":1}\n{"a":2}\n'));
    spill.append(bytes('{"a":3}'));
    spill.append(bytes('{"a":4}\n'));
    spill.append(bytes('{"é":"😀"}'));
    const path = await spill.complete();
    expect(path.startsWith(dir)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n{"a":3}\n{"a":4}\n{"é":"😀"}\n');
  });

  it('counts the bytes written, the added newlines included', async () => {
    const spill = new SpillDirectory(dir).open();
    expect(spill.bytes).toBe(0);
    spill.append(bytes('abc\n'));
    expect(spill.bytes).toBe(4);
    spill.append(bytes('de'));
    expect(spill.bytes).toBe(7);
    spill.append(bytes(''));
    expect(spill.bytes).toBe(7);
    spill.append(bytes('é'));
    expect(spill.bytes).toBe(10);
    const path = await spill.complete();
    expect(readFileSync(path).length).toBe(spill.bytes);
  });

  it('property: the completed file is exactly the appended documents, each newline-terminated', async () => {
    const documents = fc.array(
      fc.oneof(
        fc.constant(''),
        fc.string({ maxLength: 40 }).map((s) => s.replaceAll('\n', ' ')),
        fc.array(fc.string({ maxLength: 12 }).map((s) => s.replaceAll('\n', ' ')), { minLength: 1, maxLength: 4 }).map((lines) => `${lines.join('\n')}\n`),
      ),
      { maxLength: 12 },
    );
    const spills = new SpillDirectory(dir);
    await fc.assert(
      fc.asyncProperty(documents, async (chunks) => {
        const spill = spills.open();
        const calls: number[] = [];
        chunks.forEach((chunk, i) => spill.append(bytes(chunk), () => calls.push(i)));
        const path = await spill.complete();
        const expected = chunks.filter((c) => c.length > 0).map((c) => (c.endsWith('\n') ? c : `${c}\n`)).join('');
        expect(readFileSync(path, 'utf8')).toBe(expected);
        expect(spill.bytes).toBe(Buffer.byteLength(expected));
        expect([...calls].sort((a, b) => a - b)).toEqual(chunks.map((_c, i) => i));
        await spill.remove();
        expect(existsSync(path)).toBe(false);
      }),
      { numRuns: 60 },
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives each spill of a directory its own file', async () => {
    const spills = new SpillDirectory(dir);
    const a = spills.open();
    const b = spills.open();
    a.append(bytes('a'));
    b.append(bytes('b'));
    const [pathA, pathB] = await Promise.all([a.complete(), b.complete()]);
    expect(pathA).not.toBe(pathB);
    expect(readFileSync(pathA, 'utf8')).toBe('a\n');
    expect(readFileSync(pathB, 'utf8')).toBe('b\n');
    expect(readdirSync(dir).sort()).toHaveLength(2);
  });

  it('completes an empty spill to an existing empty file', async () => {
    const spill = new SpillDirectory(dir).open();
    spill.append(bytes(''));
    const path = await spill.complete();
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path).length).toBe(0);
    expect(spill.bytes).toBe(0);
  });

  it('calls `written` exactly once per append, empty documents included, once the documents are written', async () => {
    const spill = new SpillDirectory(dir).open();
    const calls = [0, 0, 0, 0];
    spill.append(bytes('one\n'), () => calls[0]++);
    spill.append(bytes(''), () => calls[1]++);
    spill.append(bytes('two'), () => calls[2]++);
    spill.append(bytes('three\n'), () => calls[3]++);
    // The empty one needs no write: it is done at once.
    expect(calls).toEqual([0, 1, 0, 0]);
    const path = await spill.complete();
    expect(calls).toEqual([1, 1, 1, 1]);
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\nthree\n');
    await spill.complete();
    await spill.remove();
    expect(calls).toEqual([1, 1, 1, 1]);
  });

  it('calls `written` only after the documents reached the file', async () => {
    const spill = new SpillDirectory(dir).open();
    const seen: string[] = [];
    let path = '';
    const first = spill.complete().then((p) => (path = p)); // learns the path (empty so far)
    await first;
    spill.append(bytes('doc-1'), () => seen.push(readFileSync(path, 'utf8')));
    spill.append(bytes('doc-2\n'), () => seen.push(readFileSync(path, 'utf8')));
    await spill.complete();
    // Both were appended before either write began, so they went out together.
    expect(seen).toEqual(['doc-1\ndoc-2\n', 'doc-1\ndoc-2\n']);
    spill.append(bytes('doc-3'), () => seen.push(readFileSync(path, 'utf8')));
    await spill.complete();
    expect(seen[2]).toBe('doc-1\ndoc-2\ndoc-3\n');
  });

  it('keeps the order of many appends made while earlier ones are being written', async () => {
    const spill = new SpillDirectory(dir).open();
    const expected: string[] = [];
    for (let i = 0; i < 200; i++) {
      spill.append(bytes(i % 3 === 0 ? `doc-${i}` : `doc-${i}\n`));
      expected.push(`doc-${i}\n`);
      if (i % 17 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(readFileSync(await spill.complete(), 'utf8')).toBe(expected.join(''));
    expect(spill.bytes).toBe(expected.join('').length);
  });

  it('remove() deletes the file, and is harmless when called twice', async () => {
    const spill = new SpillDirectory(dir).open();
    spill.append(bytes('x'));
    const path = await spill.complete();
    expect(existsSync(path)).toBe(true);
    await spill.remove();
    expect(existsSync(path)).toBe(false);
    await spill.remove();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('remove() waits for appends still being written', async () => {
    const spill = new SpillDirectory(dir).open();
    let written = 0;
    for (let i = 0; i < 20; i++) spill.append(bytes(`doc ${i}`), () => written++);
    await spill.remove();
    expect(written).toBe(20);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects complete() when a write fails (missing directory), still calling every callback', async () => {
    const missing = join(dir, 'does-not-exist');
    const spills = new SpillDirectory(missing);
    const spill = spills.open();
    const calls = [0, 0, 0];
    spill.append(bytes('a\n'), () => calls[0]++);
    spill.append(bytes('b'), () => calls[1]++);
    spill.append(bytes(''), () => calls[2]++);
    const failure = await spill.complete().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(calls).toEqual([1, 1, 1]);
    // Appends after the failure are not written, but their callbacks still run.
    let late = 0;
    spill.append(bytes('c'), () => late++);
    await expect(spill.complete()).rejects.toBe(failure);
    expect(late).toBe(1);
    // The backlog is given back even though nothing was written.
    expect(spills.backlog.bytes).toBe(0);
    await spill.remove();
    expect(existsSync(missing)).toBe(false);
  });

  it('rejects complete() when the path itself cannot be had, calling callbacks', async () => {
    const error = new Error('no directory for you');
    const spill = new DocumentSpill(Promise.reject(error));
    let calls = 0;
    spill.append(bytes('a'), () => calls++);
    await expect(spill.complete()).rejects.toBe(error);
    expect(calls).toBe(1);
    await spill.remove(); // nothing to remove, and no throw
  });

  it('counts the bytes it is given as backlog until they are written', async () => {
    const spills = new SpillDirectory(dir);
    const a = spills.open();
    const b = spills.open();
    a.append(bytes('12345'));
    b.append(bytes('123\n'));
    a.append(bytes(''));
    expect(spills.backlog.bytes).toBe(6 + 4);
    await Promise.all([a.complete(), b.complete()]);
    expect(spills.backlog.bytes).toBe(0);
  });
});

describe('SpillDirectory without a directory', () => {
  it('writes under a directory of its own in the OS temp directory', async () => {
    const spill = new SpillDirectory().open();
    spill.append(bytes('doc'));
    const path = await spill.complete();
    try {
      expect(path.startsWith(tmpdir())).toBe(true);
      expect(path).toMatch(/loghose-buffers-/);
      expect(readFileSync(path, 'utf8')).toBe('doc\n');
    } finally {
      await spill.remove();
    }
    expect(existsSync(path)).toBe(false);
    // The directory is removed when the process exits; a test worker may not get there, so remove it here.
    expect(basename(dirname(path))).toMatch(/^loghose-buffers-/);
    await rm(dirname(path), { recursive: true, force: true });
  });
});

describe('WriteBacklog', () => {
  it('resolves below(limit) at once when already at or under the limit', async () => {
    const backlog = new WriteBacklog();
    await backlog.below(0);
    backlog.add(10);
    await backlog.below(10);
    await backlog.below(11);
  });

  it('resolves below(limit) only once done() brought the bytes to the limit or under', async () => {
    const backlog = new WriteBacklog();
    backlog.add(100);
    const resolved: number[] = [];
    void backlog.below(50).then(() => resolved.push(50));
    void backlog.below(0).then(() => resolved.push(0));
    void backlog.below(99).then(() => resolved.push(99));
    await turn();
    expect(resolved).toEqual([]);

    backlog.done(1); // 99
    await turn();
    expect(resolved).toEqual([99]);

    backlog.add(20); // 119
    backlog.done(68); // 51
    await turn();
    expect(resolved).toEqual([99]);

    backlog.done(1); // 50: exactly the limit
    await turn();
    expect(resolved).toEqual([99, 50]);

    backlog.done(50); // 0
    await turn();
    expect(resolved).toEqual([99, 50, 0]);
    expect(backlog.bytes).toBe(0);
  });

  it('does not resolve a waiter on add(), and resolves each waiter once', async () => {
    const backlog = new WriteBacklog();
    backlog.add(10);
    let count = 0;
    void backlog.below(5).then(() => count++);
    backlog.add(5);
    await turn();
    expect(count).toBe(0);
    backlog.done(12);
    backlog.done(3);
    await turn();
    expect(count).toBe(1);
  });
});

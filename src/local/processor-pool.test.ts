import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { transformFirehoseEvent } from '../transforms/firehose-transform.js';
import { formatOf } from '../transforms/registry.js';
import type { TableName } from '../transforms/schema.js';
import { VirtualClock } from './clock.js';
import { countedRows } from './testing.js';
import { LocalDeliveryStream, type DeliverySink } from './delivery-stream.js';
import { invokeProcessor, type InvocationOutcome, type InvocationRequest, type ProcessorInvoker } from './processor-invocation.js';
import { defaultProcessorWorkers, ProcessorPool } from './processor-pool.js';

const pools: ProcessorPool[] = [];

function pool(size: number): ProcessorPool {
  const created = new ProcessorPool(size);
  pools.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const elbLine = (hour: number, n: number): string =>
  `2026-03-01T${pad(hour)}:${pad(n % 60)}:${pad((n * 7) % 60)}.${pad(n % 1_000_000, 6)}Z lb-${n % 3} 10.0.${n % 250}.${(n * 3) % 250}:${1024 + n} 10.1.0.${n % 9}:80 0.000${n % 10} 0.00${n % 7} 0.0001 ${n % 5 === 0 ? 503 : 200} 200 ${n} ${n * 17} "GET http://x.example/${n}?q=${n % 4} HTTP/1.1" "curl/7.${n % 80}" - -`;

const CF_HEADER = [
  '#Version: 1.0',
  '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query',
];
const cfLine = (hour: number, n: number): string =>
  [
    '2026-03-01',
    `${pad(hour)}:${pad(n % 60)}:${pad((n * 11) % 60)}`,
    `FRA${n % 9}-C1`,
    String(100 + n),
    `192.0.2.${n % 250}`,
    n % 4 === 0 ? 'POST' : 'GET',
    'd111111abcdef8.cloudfront.net',
    `/p/${n}`,
    n % 6 === 0 ? '404' : '200',
    '-',
    'Mozilla/5.0%20(X11)',
    n % 3 === 0 ? '-' : `a=${n}&b=caf%C3%A9`,
  ].join('\t');

/** Record texts of a table: several lines per record, error lines, blank-only and non-base64 records. */
function texts(table: 'elb' | 'cloudfront', seed: number, records: number): (string | { raw: string })[] {
  const out: (string | { raw: string })[] = [];
  for (let r = 0; r < records; r++) {
    const n = seed * 1000 + r * 10;
    const hour = (seed + r) % 24;
    const lines = Array.from({ length: 1 + ((seed + r) % 7) }, (_v, i) => (table === 'elb' ? elbLine(hour, n + i) : cfLine(hour, n + i)));
    if (r % 5 === 3) lines.push('this is not a log line');
    if (r % 9 === 8) {
      out.push('\n\n'); // Dropped
      continue;
    }
    if (r % 11 === 10) {
      out.push({ raw: 'not base64 at all!' }); // ProcessingFailed
      continue;
    }
    out.push(`${table === 'cloudfront' ? `${CF_HEADER.join('\n')}\n` : ''}${lines.join('\n')}${r % 2 === 0 ? '\n' : ''}`);
  }
  return out;
}

function request(table: 'elb' | 'cloudfront', seed: number, records = 12, extra: string[] = []): InvocationRequest {
  const datas = [...texts(table, seed, records).map((t) => (typeof t === 'string' ? b64(t) : t.raw)), ...extra.map(b64)];
  return {
    deliveryStreamArn: `arn:aws:firehose:us-east-1:000000000000:deliverystream/loghose-${table}`,
    region: 'us-east-1',
    records: datas.map((data, i) => ({ recordId: `${seed}-${i}`, arrival: Date.UTC(2026, 2, 1, 12, 0, seed % 60), data })),
  };
}

/** An outcome without its `release` functions, documents as text. */
function plain(outcome: InvocationOutcome): unknown {
  if (!outcome.ok) return { ok: false, code: outcome.code };
  return {
    ok: true,
    outputs: outcome.outputs.map((o) => ({
      recordId: o.recordId,
      result: o.result,
      partition: o.partition,
      documents: o.documents === undefined ? undefined : Buffer.from(o.documents.buffer, o.documents.byteOffset, o.documents.byteLength).toString('utf8'),
    })),
  };
}

async function inProcess(table: TableName, req: InvocationRequest): Promise<unknown> {
  const format = formatOf(table);
  return plain(await invokeProcessor((event) => transformFirehoseEvent(event, { format }).response, req));
}

function releaseAll(outcome: InvocationOutcome): void {
  if (outcome.ok) for (const output of outcome.outputs) output.release?.();
}

/** A large record (> 1 MiB of documents: past a worker's first buffer size and the kernel's first memory). */
const LARGE = Array.from({ length: 4000 }, (_v, i) => elbLine(9, i)).join('\n');

describe('ProcessorPool', () => {
  it('gives the outcome the in-process invocation gives (elb and cloudfront)', async () => {
    const p = pool(2);
    for (const table of ['elb', 'cloudfront'] as const) {
      const req = request(table, 3, 24);
      const expected = await inProcess(table, req);
      // The request exercises every kind of output.
      const results = (expected as { outputs: { result: string; documents?: string }[] }).outputs;
      expect(new Set(results.map((o) => o.result))).toEqual(new Set(['Ok', 'Dropped', 'ProcessingFailed']));
      expect(results.some((o) => o.documents?.includes('"_error":'))).toBe(true);
      const outcome = await p.invoker(table)(req);
      expect(plain(outcome)).toEqual(expected);
      releaseAll(outcome);
    }
  });

  it('handles a record larger than 1 MiB like the in-process invocation', async () => {
    const p = pool(1);
    const req = request('elb', 4, 3, [LARGE]);
    const outcome = await p.invoker('elb')(req);
    const expected = await inProcess('elb', req);
    expect(plain(outcome)).toEqual(expected);
    if (!outcome.ok) throw new Error('expected an ok outcome');
    expect(outcome.outputs[3].documents!.length).toBeGreaterThan(1 << 20);
    expect(Buffer.from(outcome.outputs[3].documents!).toString().trimEnd().split('\n')).toHaveLength(4000);
  });

  it('sets release on Ok outputs with documents, callable (even twice) and not on others', async () => {
    const p = pool(1);
    const outcome = await p.invoker('elb')(request('elb', 5, 12));
    if (!outcome.ok) throw new Error('expected an ok outcome');
    for (const output of outcome.outputs) {
      if (output.result === 'Ok') expect(typeof output.release).toBe('function');
      else expect(output.release).toBeUndefined();
    }
    const withDocuments = outcome.outputs.filter((o) => o.documents !== undefined && o.documents.length > 0);
    expect(withDocuments.length).toBeGreaterThan(0);
    expect(() => releaseAll(outcome)).not.toThrow();
    // The memory went back to the worker (moved, not copied).
    for (const output of withDocuments) expect(output.documents!.buffer.byteLength).toBe(0);
    expect(() => releaseAll(outcome)).not.toThrow();
    // And the pool goes on working.
    const again = request('elb', 5, 12);
    expect(plain(await p.invoker('elb')(again))).toEqual(await inProcess('elb', again));
  });

  it('keeps giving identical results over many invocations whose buffers are released and reused', async () => {
    const p = pool(2);
    const small = request('elb', 6, 8);
    const large = request('elb', 7, 2, [LARGE]);
    const cf = request('cloudfront', 8, 10);
    const expected = { small: await inProcess('elb', small), large: await inProcess('elb', large), cf: await inProcess('cloudfront', cf) };
    for (let i = 0; i < 50; i++) {
      // Large then small outputs: a small one decoded into a reused large buffer must not show stale bytes.
      const which = i % 5 === 0 ? 'large' : i % 3 === 0 ? 'cf' : 'small';
      const outcome =
        which === 'large' ? await p.invoker('elb')(large) : which === 'cf' ? await p.invoker('cloudfront')(cf) : await p.invoker('elb')(small);
      expect(plain(outcome), `invocation ${i} (${which})`).toEqual(expected[which]);
      releaseAll(outcome);
    }
  });

  it('serves invocations of two tables interleaved, concurrently', async () => {
    const p = pool(2);
    const requests = Array.from({ length: 24 }, (_v, i) => ({ table: i % 2 === 0 ? ('elb' as const) : ('cloudfront' as const), req: request(i % 2 === 0 ? 'elb' : 'cloudfront', 20 + i, 6) }));
    const expected = await Promise.all(requests.map(({ table, req }) => inProcess(table, req)));
    const outcomes = await Promise.all(requests.map(({ table, req }) => p.invoker(table)(req)));
    expect(outcomes.map(plain)).toEqual(expected);
    outcomes.forEach(releaseAll);
    // And sequentially, tables alternating on the same workers.
    for (let i = 0; i < 6; i++) {
      const outcome = await p.invoker(requests[i].table)(requests[i].req);
      expect(plain(outcome)).toEqual(expected[i]);
      releaseAll(outcome);
    }
  });

  it('reports an invocation of a closed pool as Lambda.FunctionError', async () => {
    const p = pool(1);
    const req = request('elb', 30, 4);
    expect((await p.invoker('elb')(req)).ok).toBe(true);
    await p.close();
    const outcome = await p.invoker('elb')(req);
    expect(outcome).toMatchObject({ ok: false, code: 'Lambda.FunctionError' });
    if (!outcome.ok) expect(outcome.message).toMatch(/closed/);
  });

  it('settles invocations still running when it is closed', async () => {
    const p = pool(1);
    const req = request('elb', 31, 2, [LARGE, LARGE]);
    const running = p.invoker('elb')(req);
    await p.close();
    const outcome = await running;
    // Either it finished before the worker stopped, or it failed as a Lambda failure would: never hangs.
    if (outcome.ok) expect(plain(outcome)).toEqual(await inProcess('elb', req));
    else expect(outcome.code).toBe('Lambda.FunctionError');
  });

  it('fails an invocation it cannot send to a worker (not cloneable) as Lambda.FunctionError', async () => {
    const p = pool(1);
    const req = { ...request('elb', 32, 2), hook: () => undefined } as unknown as InvocationRequest;
    expect(await p.invoker('elb')(req)).toMatchObject({ ok: false, code: 'Lambda.FunctionError' });
    // The pool still works.
    const good = request('elb', 33, 3);
    expect(plain(await p.invoker('elb')(good))).toEqual(await inProcess('elb', good));
  });

  it('answers a request the worker cannot turn into an event with Lambda.FunctionError, and serves the next at once', async () => {
    const p = pool(1);
    const poison = { deliveryStreamArn: 'arn', region: 'us-east-1', records: null } as unknown as InvocationRequest;
    expect(await p.invoker('elb')(poison)).toMatchObject({ ok: false, code: 'Lambda.FunctionError' });
    const req = request('elb', 34, 5);
    expect(plain(await p.invoker('elb')(req))).toEqual(await inProcess('elb', req));
  });

  it('fails the invocations of a worker that dies, and replaces the worker', async () => {
    const p = pool(1);
    // Large enough that the worker is still transforming when it is terminated.
    const big = request('elb', 35, 20_000);
    const req = request('elb', 36, 5);
    const expected = await inProcess('elb', req);
    const pending = p.invoker('elb')(big);
    const slots = (p as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
    await slots[0].worker.terminate();
    expect(await pending).toMatchObject({ ok: false, code: 'Lambda.FunctionError' });
    // The replacement serves every invocation made after the death was noticed.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const again = await Promise.all(Array.from({ length: 4 }, () => p.invoker('elb')(req)));
    expect(again.map(plain)).toEqual(again.map(() => expected));
  });

  it('serves a delivery stream: the same objects as the in-process transform, buffers released as they are written', async () => {
    const p = pool(2);
    const bufferDir = await mkdtemp(join(tmpdir(), 'loghose-pool-test-'));
    const run = async (invoker: ProcessorInvoker | undefined, concurrentInvocations: number) => {
      const objects: string[][] = [];
      const sink: DeliverySink = {
        async writeObject(req) {
          const documents = readFileSync(req.ndjsonPath, 'utf8').split('\n').filter((d) => d.length > 0);
          objects.push([req.dt, req.hour, ...documents]);
          return { ...countedRows(documents), bytes: documents.join('\n').length, path: req.ndjsonPath, failed: [] };
        },
        async writeErrors() {},
      };
      const s = new LocalDeliveryStream({
        name: 'loghose-elb',
        format: formatOf('elb'),
        sink,
        clock: new VirtualClock(Date.UTC(2026, 2, 1, 12)),
        processor: { sizeBytes: 2000, intervalMs: 60_000, retries: 0 },
        buffering: { sizeBytes: 20_000, intervalMs: 900_000 },
        maxActivePartitions: 50,
        invoker,
        concurrentInvocations,
        bufferDir,
      });
      for (let seed = 0; seed < 8; seed++) {
        await s.put(texts('elb', 40 + seed, 10).map((t) => (typeof t === 'string' ? Buffer.from(t) : { base64: t.raw, bytes: t.raw.length })));
      }
      await s.flush();
      return { stats: s.stats, objects };
    };
    try {
      const expected = await run(undefined, 1);
      expect(expected.stats.objects).toBeGreaterThan(3);
      expect(expected.stats.errorRows).toBeGreaterThan(0);
      expect(await run(p.invoker('elb'), 1)).toEqual(expected);
      expect(await run(p.invoker('elb'), 3)).toEqual(expected);
    } finally {
      await rm(bufferDir, { recursive: true, force: true });
    }
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a size of %s', (size) => {
    expect(() => new ProcessorPool(size)).toThrow(/positive integer/);
  });
});

describe('defaultProcessorWorkers', () => {
  it('is none on one or two cores, then one per core beyond the first, at most four', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map((cores) => defaultProcessorWorkers(cores))).toEqual([0, 0, 2, 3, 4, 4, 4]);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { transformFirehoseEvent } from '../transforms/firehose-transform.js';
import { formatOf } from '../transforms/registry.js';
import { VirtualClock } from './clock.js';
import { countedRows } from './testing.js';
import { LocalDeliveryStream, type DeliverySink, type ErrorRecord, type ErrorOutputType } from './delivery-stream.js';
import type { EncodedRecord } from './firehose-endpoint.js';
import { inProcessInvoker, type InvocationOutcome, type ProcessorInvoker } from './processor-invocation.js';

const elb = formatOf('elb');
const line = (hour: number, n = 0) =>
  `2026-03-01T${String(hour).padStart(2, '0')}:00:${String(n % 60).padStart(2, '0')}.000000Z lb 10.0.0.${n % 250}:1234 10.1.0.1:80 0.1 0.2 0.3 200 200 10 20 "GET http://x/${n} HTTP/1.1" "ua" - -`;

class MemorySink implements DeliverySink {
  readonly objects: { dt: string; hour: string; documents: readonly string[]; deliveredAt: number }[] = [];
  readonly errors: { errorType: ErrorOutputType; records: readonly ErrorRecord[] }[] = [];
  constructor(private readonly rejects: (doc: string) => boolean = () => false) {}

  async writeObject(request: { dt: string; hour: string; ndjsonPath: string; deliveredAt: number }) {
    const documents = readFileSync(request.ndjsonPath, 'utf8').split('\n').filter((line) => line.length > 0);
    const failed = documents.flatMap((document, index) => (this.rejects(document) ? [{ index, error: 'rejected', document }] : []));
    const kept = documents.filter((_d, i) => !failed.some((f) => f.index === i));
    if (kept.length > 0) this.objects.push({ dt: request.dt, hour: request.hour, deliveredAt: request.deliveredAt, documents: kept });
    return { ...countedRows(kept), bytes: kept.join('\n').length, path: `${request.dt}/${request.hour}`, failed };
  }

  async writeErrors(request: { errorType: ErrorOutputType; records: readonly ErrorRecord[] }) {
    this.errors.push({ errorType: request.errorType, records: request.records });
  }

  errorsOf(type: ErrorOutputType): ErrorRecord[] {
    return this.errors.filter((e) => e.errorType === type).flatMap((e) => e.records);
  }
}

/** Partition buffer files go here (not the process's own directory, which a test worker may never remove). */
let buffersDir: string;

beforeAll(async () => {
  buffersDir = await mkdtemp(join(tmpdir(), 'loghose-stream-buffers-'));
});

afterAll(async () => {
  await rm(buffersDir, { recursive: true, force: true });
});

function stream(sink: DeliverySink, clock: VirtualClock, overrides: Partial<ConstructorParameters<typeof LocalDeliveryStream>[0]> = {}) {
  return new LocalDeliveryStream({
    name: 'loghose-elb',
    format: elb,
    sink,
    clock,
    bufferDir: buffersDir,
    processor: { sizeBytes: 1024 * 1024, intervalMs: 60_000, retries: 3 },
    buffering: { sizeBytes: 64 * 1024 * 1024, intervalMs: 300_000 },
    maxActivePartitions: 500,
    ...overrides,
  });
}

const record = (...lines: string[]) => Buffer.from(lines.join('\n'));

describe('LocalDeliveryStream', () => {
  it('buffers in the processor until the interval, then partitions and delivers after the S3 interval', async () => {
    const sink = new MemorySink();
    const clock = new VirtualClock(Date.UTC(2026, 2, 1, 12));
    const s = stream(sink, clock);
    await s.put([record(line(1, 1), line(1, 2)), record(line(2, 3))]);
    expect(s.stats.invocations).toBe(0);
    clock.advance(59_999);
    await s.tick();
    expect(s.stats.invocations).toBe(0);
    clock.advance(1);
    await s.tick();
    expect(s.stats.invocations).toBe(1);
    expect(sink.objects).toHaveLength(0);
    clock.advance(300_000);
    await s.tick();
    expect(sink.objects.map((o) => [o.dt, o.hour, o.documents.length])).toEqual([
      ['2026-03-01', '01', 2],
      ['2026-03-01', '02', 1],
    ]);
    expect(s.stats).toMatchObject({ recordsIn: 2, okRecords: 2, rows: 3, errorRows: 0, objects: 2 });
    expect(s.deliveries.every((d) => d.reason === 'interval')).toBe(true);
  });

  it('invokes the processor as soon as its size hint is reached and delivers a partition at its size hint', async () => {
    const sink = new MemorySink();
    const clock = new VirtualClock(0);
    const s = stream(sink, clock, {
      processor: { sizeBytes: 1000, intervalMs: 60_000, retries: 0 },
      buffering: { sizeBytes: 2000, intervalMs: 900_000 },
    });
    const lines = Array.from({ length: 40 }, (_v, i) => record(line(5, i)));
    await s.put(lines);
    expect(s.stats.invocations).toBeGreaterThan(3);
    expect(sink.objects.length).toBeGreaterThan(0);
    expect(s.deliveries.every((d) => d.reason === 'size')).toBe(true);
    await s.flush();
    expect(sink.objects.reduce((n, o) => n + o.documents.length, 0)).toBe(40);
  });

  it('retries a crashing transform, then writes the raw records under processing-failed', async () => {
    const sink = new MemorySink();
    const clock = new VirtualClock(1000);
    let calls = 0;
    const s = stream(sink, clock, {
      transform: () => {
        calls++;
        throw new Error('boom');
      },
    });
    await s.put([record(line(3, 1), line(3, 2))]);
    await s.flush();
    expect(calls).toBe(4);
    const errors = sink.errorsOf('processing-failed');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ attemptsMade: 4, errorCode: 'Lambda.FunctionError', arrivalTimestamp: 1000 });
    expect(Buffer.from(errors[0].rawData, 'base64').toString()).toBe(`${line(3, 1)}\n${line(3, 2)}`);
    expect(s.stats.failedLines).toBe(2);
  });

  it('recovers when a retry succeeds', async () => {
    const sink = new MemorySink();
    let calls = 0;
    const s = stream(sink, new VirtualClock(0), {
      transform: (event) => {
        if (++calls < 3) throw new Error('transient');
        return transformFirehoseEvent(event, { format: elb }).response;
      },
    });
    await s.put([record(line(3, 1))]);
    await s.flush();
    expect(sink.errors).toHaveLength(0);
    expect(s.stats.rows).toBe(1);
  });

  it('treats an invalid response (missing, repeated or unknown ids, bad keys) as a failed invocation', async () => {
    const responses = [
      { records: [] },
      { records: [{ recordId: 'nope', result: 'Ok', data: '' }] },
      { records: [{ recordId: 'X', result: 'Maybe', data: '' }] },
    ];
    for (const bad of responses) {
      const sink = new MemorySink();
      const s = stream(sink, new VirtualClock(0), {
        processor: { sizeBytes: 1 << 20, intervalMs: 1000, retries: 1 },
        transform: (event) => JSON.parse(JSON.stringify(bad).replace('"X"', JSON.stringify(event.records[0].recordId))),
      });
      await s.put([record(line(3, 1))]);
      await s.flush();
      expect(sink.errorsOf('processing-failed')).toHaveLength(1);
      expect(s.stats.failedInvocations).toBe(2);
    }
    const sink = new MemorySink();
    const s = stream(sink, new VirtualClock(0), {
      processor: { sizeBytes: 1 << 20, intervalMs: 1000, retries: 0 },
      transform: (event) => ({ records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok' as const, data: r.data })) }),
    });
    await s.put([record(line(3, 1))]);
    await s.flush();
    expect(sink.errorsOf('processing-failed')[0].errorCode).toBe('DynamicPartitioning.MetadataExtractionFailed');
  });

  it('routes records beyond the active-partition limit to activePartitionExceeded', async () => {
    const sink = new MemorySink();
    const s = stream(sink, new VirtualClock(0), { maxActivePartitions: 2 });
    await s.put([record(line(1)), record(line(2)), record(line(3)), record(line(4, 1), line(4, 2))]);
    await s.flush();
    expect(sink.objects).toHaveLength(2);
    const exceeded = sink.errorsOf('activePartitionExceeded');
    expect(exceeded).toHaveLength(2);
    expect(s.stats).toMatchObject({ rows: 2, partitionExceededRecords: 2, failedLines: 3, peakActivePartitions: 2 });
  });

  it('writes documents that do not convert under format-conversion-failed and the rest as rows', async () => {
    const sink = new MemorySink((doc) => doc.includes('"http://x/13"'));
    const s = stream(sink, new VirtualClock(0));
    await s.put([record(line(1, 12), line(1, 13), 'garbage')]);
    await s.flush();
    expect(s.stats).toMatchObject({ rows: 1, errorRows: 1, conversionFailedDocuments: 1, failedLines: 1 });
    const [failed] = sink.errorsOf('format-conversion-failed');
    expect(JSON.parse(Buffer.from(failed.rawData, 'base64').toString()).url).toBe('http://x/13');
  });

  it('counts a good row whose query parameters are named _raw and _error as a row, not an error row', async () => {
    const sink = new MemorySink();
    const s = stream(sink, new VirtualClock(0));
    await s.put([record(line(1, 12).replace('http://x/12', 'http://x/12?_raw=1&_error=2'), 'garbage')]);
    await s.flush();
    expect(sink.objects[0].documents[0]).toContain('"_error":"2"');
    expect(s.stats).toMatchObject({ rows: 1, errorRows: 1 });
  });

  it('bounds buffered memory by delivering the largest partition early', async () => {
    const sink = new MemorySink();
    const s = stream(sink, new VirtualClock(0), {
      processor: { sizeBytes: 200, intervalMs: 60_000, retries: 0 },
      maxBufferedBytes: 3000,
    });
    await s.put(Array.from({ length: 30 }, (_v, i) => record(line(i % 3, i))));
    expect(sink.objects.length).toBeGreaterThan(0);
    await s.flush();
    expect(s.stats.rows).toBe(30);
  });

  it('serialises concurrent puts', async () => {
    const sink = new MemorySink();
    const s = stream(sink, new VirtualClock(0), { processor: { sizeBytes: 300, intervalMs: 60_000, retries: 0 } });
    await Promise.all(Array.from({ length: 20 }, (_v, i) => s.put([record(line(1, i))])));
    await s.flush();
    expect(s.stats.rows).toBe(20);
  });
});

/** Resolves after `n` turns of the event loop (a macrotask each: invocations that take time, like a worker's). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

const inProcessElb = inProcessInvoker((event) => transformFirehoseEvent(event, { format: elb }).response);

/** The in-process invoker with a latency that varies per invocation (later ones may finish first); counts overlap. */
function slowInvoker(): { invoker: ProcessorInvoker; calls: () => number; mostAtOnce: () => number } {
  let calls = 0;
  let running = 0;
  let most = 0;
  const invoker: ProcessorInvoker = async (request) => {
    const call = calls++;
    running++;
    most = Math.max(most, running);
    try {
      await turns([3, 0, 1, 5, 2][call % 5]);
      return await inProcessElb(request);
    } finally {
      running--;
    }
  };
  return { invoker, calls: () => calls, mostAtOnce: () => most };
}

/** A MemorySink whose object writes take a few event-loop turns; counts overlap and notes each buffer file. */
class SlowSink extends MemorySink {
  readonly paths: string[] = [];
  running = 0;
  mostAtOnce = 0;

  override async writeObject(request: { dt: string; hour: string; ndjsonPath: string; deliveredAt: number }) {
    this.paths.push(request.ndjsonPath);
    expect(existsSync(request.ndjsonPath)).toBe(true);
    this.running++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      await turns(2);
      return await super.writeObject(request);
    } finally {
      this.running--;
    }
  }
}

/** 120 records (ELB lines over 4 hours, some unparseable, some blank) in puts of 1–7 records. */
function workload(): Buffer[][] {
  const puts: Buffer[][] = [];
  let n = 0;
  for (let p = 0; n < 120; p++) {
    const batch: Buffer[] = [];
    for (let i = 0; i < 1 + (p % 7) && n < 120; i++, n++) {
      if (n % 17 === 16) batch.push(record(''));
      else if (n % 11 === 10) batch.push(record(line(n % 4, n), 'garbage line'));
      else batch.push(record(...Array.from({ length: 1 + (n % 3) }, (_v, k) => line(n % 4, n * 3 + k))));
    }
    puts.push(batch);
  }
  return puts;
}

const pipelineSizes = {
  processor: { sizeBytes: 700, intervalMs: 60_000, retries: 0 },
  buffering: { sizeBytes: 3000, intervalMs: 900_000 },
};

async function runWorkload(overrides: Partial<ConstructorParameters<typeof LocalDeliveryStream>[0]>) {
  const sink = new SlowSink();
  const s = stream(sink, new VirtualClock(Date.UTC(2026, 2, 1, 12)), { ...pipelineSizes, ...overrides });
  for (const batch of workload()) await s.put(batch);
  await s.flush();
  return { s, sink };
}

describe('LocalDeliveryStream pipelining', () => {
  it('lists only the latest keptDeliveries objects, in delivery order', async () => {
    const sink = new MemorySink();
    const clock = new VirtualClock(0);
    const s = stream(sink, clock, { keptDeliveries: 3, queuedDeliveries: 2, processor: { sizeBytes: 1, intervalMs: 60_000, retries: 3 }, buffering: { sizeBytes: 1, intervalMs: 300_000 } });
    for (let hour = 0; hour < 8; hour++) await s.put([record(line(hour, hour))]);
    await s.flush();
    expect(sink.objects).toHaveLength(8);
    expect(s.deliveries.map((d) => d.hour)).toEqual(['05', '06', '07']);
    expect(s.stats).toMatchObject({ rows: 8, objects: 8 });
  });

  it('gives exactly the same stats, objects and documents with pipelined invocations and queued deliveries', async () => {
    const defaults = slowInvoker();
    const base = await runWorkload({ invoker: defaults.invoker });
    const pipelined = slowInvoker();
    const piped = await runWorkload({ invoker: pipelined.invoker, concurrentInvocations: 4, queuedDeliveries: 3 });

    // The workload makes several invocations and deliveries, with rows and error rows.
    expect(base.s.stats.invocations).toBeGreaterThan(10);
    expect(base.s.stats.objects).toBeGreaterThan(5);
    expect(base.s.stats.errorRows).toBeGreaterThan(0);
    expect(base.s.stats.droppedRecords).toBeGreaterThan(0);
    expect(base.s.stats.recordsIn).toBe(120);
    expect(base.s.stats.okRecords + base.s.stats.droppedRecords).toBe(120);
    // Defaults run one invocation and one write at a time; the pipelined stream really overlapped them.
    expect(defaults.mostAtOnce()).toBe(1);
    expect(base.sink.mostAtOnce).toBe(1);
    expect(pipelined.mostAtOnce()).toBeGreaterThan(1);
    expect(pipelined.mostAtOnce()).toBeLessThanOrEqual(4);
    expect(piped.sink.mostAtOnce).toBe(1); // concurrentDeliveries is still 1

    expect(piped.s.stats).toEqual(base.s.stats);
    expect(piped.sink.objects).toEqual(base.sink.objects);
    expect(piped.sink.errors).toEqual(base.sink.errors);
    expect(piped.s.deliveries).toEqual(base.s.deliveries);
    // Every document of every record made it, in put order within each partition.
    const documents = base.sink.objects.flatMap((o) => o.documents);
    expect(documents.length).toBe(base.s.stats.rows + base.s.stats.errorRows);
  });

  it('writes the same objects (in some order) with concurrent deliveries', async () => {
    const base = await runWorkload({ invoker: slowInvoker().invoker });
    const concurrent = await runWorkload({ invoker: slowInvoker().invoker, concurrentInvocations: 3, queuedDeliveries: 4, concurrentDeliveries: 2 });
    expect(concurrent.sink.mostAtOnce).toBe(2);
    expect(concurrent.s.stats).toEqual(base.s.stats);
    const key = (o: { dt: string; hour: string; documents: readonly string[] }) => `${o.dt}/${o.hour}/${o.documents.join('\n')}`;
    expect(concurrent.sink.objects.map(key).sort()).toEqual(base.sink.objects.map(key).sort());
    const deliveryKey = (d: { dt: string; hour: string; rows: number; jsonBytes: number; reason: string }) => `${d.dt}/${d.hour}/${d.rows}/${d.jsonBytes}/${d.reason}`;
    expect(concurrent.s.deliveries.map(deliveryKey)).toEqual(base.s.deliveries.map(deliveryKey));
  });

  it('loses no invocation made while the applier is finishing (concurrent puts, an invoker answering in one turn)', async () => {
    for (const concurrentInvocations of [2, 3, 4]) {
      const sink = new MemorySink();
      const invoker: ProcessorInvoker = async (request) => {
        await Promise.resolve();
        return inProcessElb(request);
      };
      const s = stream(sink, new VirtualClock(0), {
        processor: { sizeBytes: 350, intervalMs: 60_000, retries: 0 },
        buffering: { sizeBytes: 1500, intervalMs: 900_000 },
        concurrentInvocations,
        invoker,
      });
      await Promise.all([
        s.put([0, 1, 2].map((n) => record(line(0, n)))),
        s.put([record(line(0, 3))]),
        s.put([record(line(0, 4)), record(line(0, 5))]),
      ]);
      await s.flush();
      expect(s.stats.recordsIn).toBe(6);
      expect(s.stats.okRecords).toBe(6);
      expect(s.stats.rows).toBe(6);
      expect(sink.objects.flatMap((o) => o.documents)).toHaveLength(6);
    }
  });

  it('applies pipelined invocations in the order they were made, whichever finishes first', async () => {
    const sink = new MemorySink();
    // The first invocation takes longest.
    let calls = 0;
    const invoker: ProcessorInvoker = async (request) => {
      await turns(calls++ === 0 ? 10 : 0);
      return inProcessElb(request);
    };
    const s = stream(sink, new VirtualClock(0), { processor: { sizeBytes: 1, intervalMs: 60_000, retries: 0 }, concurrentInvocations: 4, invoker });
    await s.put([record(line(1, 1)), record(line(1, 2)), record(line(1, 3))]);
    await s.flush();
    expect(calls).toBe(3);
    expect(sink.objects).toHaveLength(1);
    expect(sink.objects[0].documents.map((d) => JSON.parse(d).url)).toEqual(['http://x/1', 'http://x/2', 'http://x/3']);
  });
});

describe('LocalDeliveryStream with an invoker', () => {
  it('uses the invoker instead of the transform', async () => {
    const sink = new MemorySink();
    let transformCalls = 0;
    const requests: { arn: string; region: string; records: number }[] = [];
    const invoker: ProcessorInvoker = (request) => {
      requests.push({ arn: request.deliveryStreamArn, region: request.region, records: request.records.length });
      return inProcessElb(request);
    };
    const s = stream(sink, new VirtualClock(5000), {
      region: 'eu-west-1',
      invoker,
      transform: () => {
        transformCalls++;
        throw new Error('the transform must not run');
      },
    });
    await s.put([record(line(2, 1), line(2, 2)), record(line(3, 3))]);
    await s.flush();
    expect(transformCalls).toBe(0);
    expect(requests).toEqual([{ arn: s.arn, region: 'eu-west-1', records: 2 }]);
    expect(s.arn).toBe('arn:aws:firehose:eu-west-1:000000000000:deliverystream/loghose-elb');
    expect(sink.errors).toHaveLength(0);
    expect(s.stats).toMatchObject({ invocations: 1, okRecords: 2, rows: 3, objects: 2 });
  });

  it('hands the invoker the records as base64 with their arrival times and distinct ids', async () => {
    const sink = new MemorySink();
    const clock = new VirtualClock(1_000);
    const seen: { recordId: string; arrival: number; data: string }[] = [];
    const s = stream(sink, clock, {
      invoker: (request) => {
        seen.push(...request.records);
        return inProcessElb(request);
      },
    });
    await s.put([record(line(1, 1))]);
    clock.advance(10);
    await s.put([record(line(1, 2), 'x')]);
    await s.flush();
    expect(seen.map((r) => [r.arrival, Buffer.from(r.data, 'base64').toString()])).toEqual([
      [1_000, line(1, 1)],
      [1_010, `${line(1, 2)}\nx`],
    ]);
    expect(new Set(seen.map((r) => r.recordId)).size).toBe(2);
  });

  it('retries a failed invocation outcome, then writes the records raw with its error code', async () => {
    const sink = new MemorySink();
    let calls = 0;
    const outcome: InvocationOutcome = { ok: false, code: 'Lambda.InvalidDataEncoding', message: 'bad data' };
    const s = stream(sink, new VirtualClock(0), {
      processor: { sizeBytes: 1 << 20, intervalMs: 1000, retries: 2 },
      invoker: async () => {
        calls++;
        return outcome;
      },
    });
    await s.put([record(line(1, 1))]);
    await s.flush();
    expect(calls).toBe(3);
    const [error] = sink.errorsOf('processing-failed');
    expect(error).toMatchObject({ attemptsMade: 3, errorCode: 'Lambda.InvalidDataEncoding', errorMessage: 'bad data' });
    expect(Buffer.from(error.rawData, 'base64').toString()).toBe(line(1, 1));
    expect(s.stats).toMatchObject({ invocations: 3, failedInvocations: 3, processingFailedRecords: 1, rows: 0 });
  });

  it('calls release of every Ok output once its documents are written', async () => {
    const sink = new MemorySink();
    let released = 0;
    let given = 0;
    const s = stream(sink, new VirtualClock(0), {
      invoker: async (request) => {
        const outcome = await inProcessElb(request);
        if (!outcome.ok) return outcome;
        return {
          ok: true,
          outputs: outcome.outputs.map((o) => (o.result === 'Ok' ? (given++, { ...o, release: () => released++ }) : o)),
        };
      },
    });
    await s.put([record(line(1, 1)), record(''), record(line(2, 2), 'junk'), record(line(1, 3))]);
    await s.flush();
    expect(given).toBe(3);
    expect(released).toBe(3);
  });
});

describe('LocalDeliveryStream buffer files', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loghose-stream-test-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hands the sink buffer files that are gone once flushed', async () => {
    const sink = new SlowSink();
    const s = stream(sink, new VirtualClock(0), { ...pipelineSizes, bufferDir: dir, queuedDeliveries: 2 });
    for (const batch of workload().slice(0, 12)) await s.put(batch);
    await s.flush();
    expect(sink.paths.length).toBeGreaterThan(3);
    expect(new Set(sink.paths).size).toBe(sink.paths.length);
    for (const path of sink.paths) {
      expect(path.startsWith(dir)).toBe(true);
      expect(existsSync(path)).toBe(false);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes the buffer file of an object whose write failed', async () => {
    const paths: string[] = [];
    const sink = new MemorySink();
    sink.writeObject = async (request) => {
      paths.push(request.ndjsonPath);
      throw new Error('lake is read-only');
    };
    const s = stream(sink, new VirtualClock(0), { bufferDir: dir });
    await s.put([record(line(1, 1))]);
    await expect(s.flush()).rejects.toThrow('lake is read-only');
    expect(paths).toHaveLength(1);
    expect(existsSync(paths[0])).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('fails the stream when the buffer directory cannot be written', async () => {
    const sink = new MemorySink();
    const s = stream(sink, new VirtualClock(0), { bufferDir: join(dir, 'missing') });
    await s.put([record(line(1, 1))]);
    const failure = await s.flush().catch((error: unknown) => error);
    expect((failure as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(sink.objects).toHaveLength(0);
    await expect(s.put([record(line(1, 2))])).rejects.toBe(failure);
  });
});

describe('LocalDeliveryStream failures of the sink', () => {
  class FailingSink extends MemorySink {
    calls = 0;
    constructor(readonly error: Error) {
      super();
    }

    override async writeObject(): Promise<never> {
      this.calls++;
      throw this.error;
    }
  }

  it('rejects flush with the error of a failed object write, and every later call', async () => {
    const error = new Error('disk full');
    const sink = new FailingSink(error);
    const s = stream(sink, new VirtualClock(0));
    await s.put([record(line(1, 1)), record(line(2, 2))]);
    await expect(s.flush()).rejects.toBe(error);
    await expect(s.put([record(line(1, 3))])).rejects.toBe(error);
    await expect(s.tick()).rejects.toBe(error);
    await expect(s.flush()).rejects.toBe(error);
    // It stopped at the first failure: nothing more was written.
    expect(sink.calls).toBe(1);
    expect(s.stats.recordsIn).toBe(2);
  });

  it('rejects the put whose delivery failed (one object queued at a time)', async () => {
    const error = new Error('disk full');
    const s = stream(new FailingSink(error), new VirtualClock(0), {
      processor: { sizeBytes: 1, intervalMs: 60_000, retries: 0 },
      buffering: { sizeBytes: 1, intervalMs: 900_000 },
    });
    await expect(s.put([record(line(1, 1))])).rejects.toBe(error);
    await expect(s.put([record(line(1, 2))])).rejects.toBe(error);
  });

  it('reports a failed write with queued deliveries and pipelined invocations too, at the latest on flush', async () => {
    const error = new Error('disk full');
    const sink = new FailingSink(error);
    const s = stream(sink, new VirtualClock(0), {
      ...pipelineSizes,
      invoker: slowInvoker().invoker,
      concurrentInvocations: 4,
      queuedDeliveries: 3,
    });
    const outcome = await (async () => {
      for (const batch of workload()) await s.put(batch);
      await s.flush();
    })().catch((e: unknown) => e);
    expect(outcome).toBe(error);
    await expect(s.put([record(line(1, 1))])).rejects.toBe(error);
  });

  it('fails the stream when error records cannot be written', async () => {
    const error = new Error('error prefix not writable');
    const sink = new MemorySink();
    sink.writeErrors = async () => {
      throw error;
    };
    const s = stream(sink, new VirtualClock(0), {
      processor: { sizeBytes: 1 << 20, intervalMs: 1000, retries: 0 },
      transform: () => {
        throw new Error('boom');
      },
    });
    await s.put([record(line(1, 1))]);
    await expect(s.flush()).rejects.toBe(error);
    await expect(s.put([record(line(1, 1))])).rejects.toBe(error);
  });
});

describe('LocalDeliveryStream.put with encoded records', () => {
  it('gives identical results for { base64, bytes } records and Buffers', async () => {
    const batches = workload().slice(0, 15);
    const run = async (encode: boolean) => {
      const sink = new MemorySink();
      const clock = new VirtualClock(Date.UTC(2026, 2, 1, 12));
      const s = stream(sink, clock, { ...pipelineSizes, processor: { ...pipelineSizes.processor, retries: 1 } });
      for (const batch of batches) {
        const records: (Buffer | EncodedRecord)[] = encode ? batch.map((b) => ({ base64: b.toString('base64'), bytes: b.length })) : batch;
        await s.put(records);
        clock.advance(1000);
      }
      await s.flush();
      return { stats: s.stats, objects: sink.objects, errors: sink.errors, deliveries: s.deliveries };
    };
    const buffers = await run(false);
    const encoded = await run(true);
    expect(buffers.stats.rows).toBeGreaterThan(20);
    expect(buffers.stats.bytesIn).toBe(batches.flat().reduce((n, b) => n + b.length, 0));
    expect(encoded).toEqual(buffers);
  });

  it('accepts both kinds in one put, and hands the base64 on as given', async () => {
    const sink = new MemorySink();
    const seen: string[] = [];
    const s = stream(sink, new VirtualClock(0), {
      invoker: (request) => {
        seen.push(...request.records.map((r) => r.data));
        return inProcessElb(request);
      },
    });
    const text = `${line(1, 1)}\n${line(1, 2)}`;
    const encoded = Buffer.from(text).toString('base64');
    await s.put([{ base64: encoded, bytes: Buffer.byteLength(text) }, record(line(1, 3)), { base64: 'not base64!', bytes: 8 }]);
    await s.flush();
    expect(seen).toEqual([encoded, record(line(1, 3)).toString('base64'), 'not base64!']);
    expect(s.stats).toMatchObject({ recordsIn: 3, bytesIn: Buffer.byteLength(text) + record(line(1, 3)).length + 8, rows: 3, processingFailedRecords: 1 });
    const [failed] = sink.errorsOf('processing-failed');
    expect(failed).toMatchObject({ errorCode: 'Lambda.ProcessingFailedStatus', rawData: 'not base64!' });
  });
});


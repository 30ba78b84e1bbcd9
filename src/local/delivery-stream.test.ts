import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { transformFirehoseEvent } from '../transforms/firehose-transform.js';
import { formatOf } from '../transforms/registry.js';
import { VirtualClock } from './clock.js';
import { LocalDeliveryStream, type DeliverySink, type ErrorRecord, type ErrorOutputType } from './delivery-stream.js';

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
    return { rows: kept.length, bytes: kept.join('\n').length, path: `${request.dt}/${request.hour}`, failed };
  }

  async writeErrors(request: { errorType: ErrorOutputType; records: readonly ErrorRecord[] }) {
    this.errors.push({ errorType: request.errorType, records: request.records });
  }

  errorsOf(type: ErrorOutputType): ErrorRecord[] {
    return this.errors.filter((e) => e.errorType === type).flatMap((e) => e.records);
  }
}

function stream(sink: DeliverySink, clock: VirtualClock, overrides: Partial<ConstructorParameters<typeof LocalDeliveryStream>[0]> = {}) {
  return new LocalDeliveryStream({
    name: 'loghose-elb',
    format: elb,
    sink,
    clock,
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

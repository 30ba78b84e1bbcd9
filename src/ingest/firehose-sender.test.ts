import {
  FirehoseClient,
  InvalidArgumentException,
  PutRecordBatchCommand,
  ResourceNotFoundException,
  ServiceUnavailableException,
  type PutRecordBatchCommandInput,
  type PutRecordBatchCommandOutput,
} from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FIREHOSE_LIMITS } from '../config/limits.js';
import { billedBytes, FirehoseSender, ShipmentError, type SenderOptions } from './firehose-sender.js';

const firehoseMock = mockClient(FirehoseClient);
const client = new FirehoseClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

afterEach(() => {
  firehoseMock.reset();
});

type Entry = NonNullable<PutRecordBatchCommandOutput['RequestResponses']>[number];

let recordIds = 0;
const ok = (): Entry => ({ RecordId: `id-${recordIds++}` });
const failedEntry = (code = 'ServiceUnavailableException'): Entry => ({ ErrorCode: code, ErrorMessage: 'Slow down.' });

function output(entries: Entry[]): PutRecordBatchCommandOutput {
  return {
    FailedPutCount: entries.filter((e) => e.ErrorCode !== undefined).length,
    Encrypted: false,
    RequestResponses: entries,
    $metadata: {},
  };
}

/** Answers every call by deciding each entry with `decide` (true = accepted). */
function answerEach(decide: (data: string) => boolean): void {
  firehoseMock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) =>
    output(input.Records!.map((r) => (decide(Buffer.from(r.Data!).toString()) ? ok() : failedEntry()))),
  );
}

function callInputs(): PutRecordBatchCommandInput[] {
  return firehoseMock.commandCalls(PutRecordBatchCommand).map((call) => call.args[0].input);
}

const dataOf = (input: PutRecordBatchCommandInput): string[] => input.Records!.map((r) => Buffer.from(r.Data!).toString());

function sender(options: Partial<SenderOptions> & { delays?: number[] } = {}): FirehoseSender {
  const delays = options.delays;
  return new FirehoseSender({
    client,
    streamName: 'loghose-cloudfront',
    sleep: async (ms) => {
      delays?.push(ms);
    },
    ...options,
  });
}

const serviceUnavailable = (): ServiceUnavailableException =>
  new ServiceUnavailableException({ message: 'Slow down.', $metadata: { httpStatusCode: 503 } });

describe('FirehoseSender', () => {
  it('sends batches of at most 500 records', async () => {
    answerEach(() => true);
    const s = sender();
    for (let i = 0; i < 1234; i++) await s.put(Buffer.from(`record ${i}`));
    await s.flush();
    const inputs = callInputs();
    expect(inputs.map((i) => i.Records!.length)).toEqual([500, 500, 234]);
    expect(inputs.every((i) => i.DeliveryStreamName === 'loghose-cloudfront')).toBe(true);
    expect(inputs.flatMap(dataOf)).toEqual(Array.from({ length: 1234 }, (_, i) => `record ${i}`));
    expect(s.stats).toMatchObject({ records: 1234, calls: 3, retriedEntries: 0, throttledCalls: 0 });
  });

  it('sends batches of at most 4 MiB', async () => {
    answerEach(() => true);
    const s = sender();
    const big = 900 * 1024;
    for (let i = 0; i < 10; i++) await s.put(Buffer.alloc(big, 97 + i));
    await s.put(Buffer.alloc(FIREHOSE_LIMITS.maxRecordBytes, 122)); // exactly the record limit is fine
    await s.flush();
    const inputs = callInputs();
    for (const input of inputs) {
      const bytes = input.Records!.reduce((n, r) => n + r.Data!.length, 0);
      expect(bytes).toBeLessThanOrEqual(FIREHOSE_LIMITS.maxBatchBytes);
      expect(input.Records!.length).toBeLessThanOrEqual(FIREHOSE_LIMITS.maxBatchRecords);
    }
    expect(inputs.map((i) => i.Records!.length)).toEqual([4, 4, 3]);
    expect(s.stats.bytes).toBe(10 * big + FIREHOSE_LIMITS.maxRecordBytes);
  });

  it('keeps batches within 4 MiB when another shipment fills the batch while one waits for a call in flight', async () => {
    let release: () => void = () => undefined;
    const firstCall = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    firehoseMock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) => {
      if (calls++ === 0) await firstCall;
      return output(input.Records!.map(() => ok()));
    });
    const s = sender({ concurrency: 1 });
    const large = Buffer.alloc(1000 * 1024, 97);
    // Shipment A: the 5th record starts call 1 (held); the 9th must wait for it, with its record in hand.
    const shipmentA = (async () => {
      for (let i = 0; i < 9; i++) await s.put(large);
    })();
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    // Shipment B fills the batch meanwhile, to just under the limit.
    for (let i = 0; i < 4; i++) await s.put(Buffer.alloc(1_000_000, 98));
    release();
    await shipmentA;
    await s.flush();
    const inputs = callInputs();
    for (const input of inputs) {
      expect(input.Records!.reduce((n, r) => n + r.Data!.length, 0)).toBeLessThanOrEqual(FIREHOSE_LIMITS.maxBatchBytes);
    }
    expect(s.stats.records).toBe(13);
  });

  const batchBytes = (input: PutRecordBatchCommandInput): number => input.Records!.reduce((n, r) => n + r.Data!.length, 0);

  it('keeps every call within maxBatchBytes and sends each record once', async () => {
    answerEach(() => true);
    const limit = 1024 * 1024;
    const s = sender({ maxBatchBytes: limit, concurrency: 3 });
    const sizes = Array.from({ length: 60 }, (_v, i) => [300_000, 1_000, 700_000, 24_000, 1000 * 1024, 5][i % 6] + i);
    const sent: string[] = [];
    for (const [i, size] of sizes.entries()) {
      const data = `${i}:`.padEnd(Math.min(size, FIREHOSE_LIMITS.maxRecordBytes), String.fromCharCode(97 + (i % 26)));
      sent.push(data);
      await s.put(Buffer.from(data));
    }
    await s.flush();
    const inputs = callInputs();
    for (const input of inputs) expect(batchBytes(input)).toBeLessThanOrEqual(limit);
    // The limit, not the record count, is what split the batches: most calls are close to it.
    expect(inputs.length).toBeGreaterThanOrEqual(Math.ceil(sent.reduce((n, d) => n + d.length, 0) / limit));
    expect(inputs.some((input) => batchBytes(input) > limit / 2)).toBe(true);
    const delivered = inputs.flatMap(dataOf);
    expect(delivered).toHaveLength(sent.length);
    expect([...delivered].sort()).toEqual([...sent].sort());
    expect(s.stats.records).toBe(sent.length);
  });

  it('packs batches up to maxBatchBytes exactly', async () => {
    answerEach(() => true);
    const s = sender({ maxBatchBytes: 1024 * 1024 });
    for (let i = 0; i < 9; i++) await s.put(Buffer.alloc(256 * 1024, 97 + i)); // four fill 1 MiB exactly
    await s.flush();
    expect(callInputs().map((input) => input.Records!.length)).toEqual([4, 4, 1]);
    expect(callInputs().map(batchBytes)).toEqual([1024 * 1024, 1024 * 1024, 256 * 1024]);
  });

  it('clamps maxBatchBytes above 4 MiB to 4 MiB', async () => {
    answerEach(() => true);
    const s = sender({ maxBatchBytes: 64 * 1024 * 1024 });
    for (let i = 0; i < 12; i++) await s.put(Buffer.alloc(FIREHOSE_LIMITS.maxRecordBytes, 97 + i));
    await s.flush();
    const inputs = callInputs();
    // Four records of 1,000 KiB fit in 4 MiB, five do not.
    expect(inputs.map((input) => input.Records!.length)).toEqual([4, 4, 4]);
    for (const input of inputs) expect(batchBytes(input)).toBeLessThanOrEqual(FIREHOSE_LIMITS.maxBatchBytes);
  });

  it('clamps maxBatchBytes below the record size limit up to it, so every record can still be sent', async () => {
    answerEach(() => true);
    const s = sender({ maxBatchBytes: 1 });
    await s.put(Buffer.alloc(FIREHOSE_LIMITS.maxRecordBytes, 120)); // the largest record fits a batch alone
    for (let i = 0; i < 4; i++) await s.put(Buffer.alloc(FIREHOSE_LIMITS.maxRecordBytes / 2, 97 + i)); // two per batch
    await s.flush();
    expect(callInputs().map((input) => input.Records!.length)).toEqual([1, 2, 2]);
    expect(s.stats.records).toBe(5);
  });

  it('uses the 4 MiB limit when maxBatchBytes is not a number', async () => {
    answerEach(() => true);
    const s = sender({ maxBatchBytes: Number.NaN });
    for (let i = 0; i < 8; i++) await s.put(Buffer.alloc(FIREHOSE_LIMITS.maxRecordBytes, 97 + i));
    await s.flush();
    expect(callInputs().map((input) => input.Records!.length)).toEqual([4, 4]);
  });

  it('keeps the 500-record limit with a large maxBatchBytes', async () => {
    answerEach(() => true);
    const s = sender({ maxBatchBytes: 4 * 1024 * 1024 });
    for (let i = 0; i < 1001; i++) await s.put(Buffer.from(`r${i}`));
    await s.flush();
    expect(callInputs().map((input) => input.Records!.length)).toEqual([500, 500, 1]);
  });

  it('refuses a record over 1,000 KiB and ignores an empty one', async () => {
    answerEach(() => true);
    const s = sender();
    await expect(s.put(Buffer.alloc(FIREHOSE_LIMITS.maxRecordBytes + 1))).rejects.toBeInstanceOf(ShipmentError);
    await s.put(Buffer.alloc(0));
    await s.flush();
    expect(callInputs()).toHaveLength(0);
  });

  it('resends only the failed entries of a partially failed batch', async () => {
    const failOnce = new Set(['r1', 'r4', 'r5']);
    firehoseMock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) =>
      output(
        dataOf(input).map((data) => {
          if (failOnce.delete(data)) return failedEntry(data === 'r4' ? 'InternalFailure' : 'ServiceUnavailableException');
          return ok();
        }),
      ),
    );
    const delays: number[] = [];
    const s = sender({ delays, random: () => 0.5 });
    for (let i = 0; i < 7; i++) await s.put(Buffer.from(`r${i}`));
    await s.flush();
    const inputs = callInputs();
    expect(inputs.map(dataOf)).toEqual([['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6'], ['r1', 'r4', 'r5']]);
    expect(delays).toEqual([50]);
    expect(s.stats).toMatchObject({ records: 7, calls: 2, retriedEntries: 3 });
  });

  it('treats a missing response entry as a failure, not a success', async () => {
    firehoseMock
      .on(PutRecordBatchCommand)
      .resolvesOnce(output([ok()])) // two records sent, one entry back
      .callsFake(async (input: PutRecordBatchCommandInput) => output(input.Records!.map(() => ok())));
    const s = sender();
    await s.put(Buffer.from('a'));
    await s.put(Buffer.from('b'));
    await s.flush();
    expect(callInputs().map(dataOf)).toEqual([['a', 'b'], ['b']]);
    expect(s.stats.records).toBe(2);
  });

  it('retries a throttled call (ServiceUnavailableException) with exponential backoff and full jitter', async () => {
    firehoseMock
      .on(PutRecordBatchCommand)
      .rejectsOnce(serviceUnavailable())
      .rejectsOnce(serviceUnavailable())
      .rejectsOnce(serviceUnavailable())
      .rejectsOnce(serviceUnavailable())
      .rejectsOnce(serviceUnavailable())
      .callsFake(async (input: PutRecordBatchCommandInput) => output(input.Records!.map(() => ok())));
    const delays: number[] = [];
    const s = sender({ delays, random: () => 0.999, baseDelayMs: 100, maxDelayMs: 1_000 });
    await s.put(Buffer.from('x'));
    await s.flush();
    // Caps 100, 200, 400, 800, then clamped at 1,000; a delay is a random fraction of its cap.
    expect(delays).toEqual([99, 199, 399, 799, 999]);
    expect(callInputs().map(dataOf)).toEqual(Array.from({ length: 6 }, () => ['x']));
    expect(s.stats).toMatchObject({ records: 1, calls: 6, throttledCalls: 5 });
  });

  it('draws each delay uniformly below its cap (full jitter)', async () => {
    firehoseMock.on(PutRecordBatchCommand).rejects(serviceUnavailable());
    const delays: number[] = [];
    let seed = 7;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    const s = sender({ delays, random, baseDelayMs: 100, maxDelayMs: 10_000, maxRetries: 12 });
    await s.put(Buffer.from('x'));
    await expect(s.flush()).rejects.toBeInstanceOf(ShipmentError);
    expect(delays).toHaveLength(12);
    delays.forEach((delay, attempt) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(10_000, 100 * 2 ** attempt));
      expect(Number.isInteger(delay)).toBe(true);
    });
    // Jittered, not constant.
    expect(new Set(delays).size).toBeGreaterThan(6);
  });

  it.each([
    ['ResourceNotFoundException', () => new ResourceNotFoundException({ message: 'Firehose loghose-cloudfront not found.', $metadata: { httpStatusCode: 400 } })],
    ['InvalidArgumentException', () => new InvalidArgumentException({ message: 'Record size too large.', $metadata: { httpStatusCode: 400 } })],
    ['a plain TypeError', () => new TypeError('bad input')],
  ])('fails at once, without retries, on a non-retryable error (%s)', async (_name, error) => {
    firehoseMock.on(PutRecordBatchCommand).rejects(error());
    const delays: number[] = [];
    const s = sender({ delays });
    for (let i = 0; i < 3; i++) await s.put(Buffer.from(`r${i}`));
    const failure = await s.flush().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ShipmentError);
    expect((failure as ShipmentError).undelivered).toBe(3);
    expect((failure as ShipmentError).message).toContain('loghose-cloudfront');
    expect(callInputs()).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('gives up after maxRetries and reports how many records were not delivered', async () => {
    const stubborn = new Set(['r2', 'r5']);
    answerEach((data) => !stubborn.has(data));
    const delays: number[] = [];
    const s = sender({ delays, maxRetries: 3 });
    for (let i = 0; i < 6; i++) await s.put(Buffer.from(`r${i}`));
    const failure = await s.flush().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ShipmentError);
    expect((failure as ShipmentError).undelivered).toBe(2);
    expect((failure as ShipmentError).message).toMatch(/ServiceUnavailableException/);
    expect(callInputs().map(dataOf)).toEqual([['r0', 'r1', 'r2', 'r3', 'r4', 'r5'], ['r2', 'r5'], ['r2', 'r5'], ['r2', 'r5']]);
    expect(delays).toHaveLength(3);
    expect(s.stats.records).toBe(4);
  });

  it('gives up after maxRetries of call-level throttling too', async () => {
    firehoseMock.on(PutRecordBatchCommand).rejects(serviceUnavailable());
    const s = sender({ maxRetries: 2 });
    await s.put(Buffer.from('a'));
    await s.put(Buffer.from('b'));
    const failure = await s.flush().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ShipmentError);
    expect((failure as ShipmentError).undelivered).toBe(2);
    expect(callInputs()).toHaveLength(3);
  });

  it('stops accepting records once a batch has failed', async () => {
    firehoseMock.on(PutRecordBatchCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    const s = sender({ concurrency: 1 });
    for (let i = 0; i < 500; i++) await s.put(Buffer.from(`r${i}`));
    await s.put(Buffer.from('r500')); // sends the first batch
    await new Promise((resolve) => setImmediate(resolve));
    await expect(s.put(Buffer.from('r501'))).rejects.toBeInstanceOf(ShipmentError);
    await expect(s.flush()).rejects.toBeInstanceOf(ShipmentError);
    expect(callInputs()).toHaveLength(1);
  });

  it('property: under 30% random entry failures every record is delivered exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3_000 }), { minLength: 1, maxLength: 1_200 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        async (sizes, concurrency, seed) => {
          firehoseMock.reset();
          let state = (seed >>> 0) % 2147483646 || 1;
          const random = (): number => {
            state = (state * 16807) % 2147483647;
            return (state - 1) / 2147483646;
          };
          const delivered = new Map<string, number>();
          firehoseMock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) => {
            await new Promise((resolve) => setImmediate(resolve));
            if (random() < 0.05) throw serviceUnavailable();
            return output(
              dataOf(input).map((data) => {
                if (random() < 0.3) return failedEntry(random() < 0.5 ? 'InternalFailure' : 'ServiceUnavailableException');
                delivered.set(data, (delivered.get(data) ?? 0) + 1);
                return ok();
              }),
            );
          });
          const s = sender({ concurrency, maxRetries: 40, random });
          const sent: string[] = [];
          for (const [i, size] of sizes.entries()) {
            const data = `${i}:`.padEnd(size, '.');
            sent.push(data);
            await s.put(Buffer.from(data));
          }
          await s.flush();
          expect(delivered.size).toBe(sent.length);
          for (const data of sent) expect(delivered.get(data)).toBe(1);
          expect(s.stats.records).toBe(sent.length);
          expect(s.stats.bytes).toBe(sent.reduce((n, data) => n + data.length, 0));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('counts billed bytes with each record rounded up to 5 KB', async () => {
    expect(FIREHOSE_LIMITS.billingRecordBytes).toBe(5120);
    expect(billedBytes(0)).toBe(5120);
    expect(billedBytes(1)).toBe(5120);
    expect(billedBytes(5120)).toBe(5120);
    expect(billedBytes(5121)).toBe(10240);
    expect(billedBytes(50 * 1024)).toBe(50 * 1024);
    expect(billedBytes(256 * 1024)).toBe(52 * 5120); // 256 KiB is 51.2 units of 5 KB
    expect(billedBytes(1000 * 1024)).toBe(1000 * 1024);
    answerEach(() => true);
    const s = sender();
    for (const size of [200, 5120, 5121, 12_000]) await s.put(Buffer.alloc(size, 120));
    await s.flush();
    expect(s.stats.bytes).toBe(200 + 5120 + 5121 + 12_000);
    expect(s.stats.billedBytes).toBe(5120 + 5120 + 10240 + 15360);
  });

  it.each([1, 2, 4])('keeps at most %i PutRecordBatch calls in flight', async (concurrency) => {
    let inFlight = 0;
    let most = 0;
    firehoseMock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return output(input.Records!.map(() => ok()));
    });
    const s = sender({ concurrency });
    for (let i = 0; i < 500 * 8; i++) await s.put(Buffer.from(`r${i}`));
    await s.flush();
    expect(most).toBe(concurrency);
    expect(inFlight).toBe(0);
    expect(s.stats.records).toBe(4000);
  });

  it('abandon stops retrying, drops queued records and waits for the calls in flight', async () => {
    firehoseMock.on(PutRecordBatchCommand).rejects(serviceUnavailable());
    const s = sender({ maxRetries: 1_000, sleep: () => new Promise((resolve) => setTimeout(resolve, 1)) });
    for (let i = 0; i < 501; i++) await s.put(Buffer.from(`r${i}`)); // one batch in flight, one record queued
    await new Promise((resolve) => setTimeout(resolve, 10));
    await s.abandon();
    const callsAtAbandon = callInputs().length;
    expect(callsAtAbandon).toBeGreaterThan(0);
    expect(callsAtAbandon).toBeLessThan(20);
    const failure = await s.flush().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ShipmentError);
    expect((failure as ShipmentError).message).toMatch(/abandoned/);
    expect(callInputs()).toHaveLength(callsAtAbandon);
    expect(callInputs().every((input) => input.Records!.length === 500)).toBe(true);
  });

  it('waits for the other calls in flight before flush reports a failure', async () => {
    let finished = 0;
    firehoseMock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) => {
      if (dataOf(input)[0] === 'r0') {
        await new Promise((resolve) => setTimeout(resolve, 2));
        throw new ResourceNotFoundException({ message: 'gone', $metadata: {} });
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished++;
      return output(input.Records!.map(() => ok()));
    });
    const s = sender({ concurrency: 2 });
    for (let i = 0; i < 1_001; i++) await s.put(Buffer.from(`r${i}`)); // two batches in flight
    await new Promise((resolve) => setTimeout(resolve, 10)); // the first has failed by now
    await expect(s.flush()).rejects.toBeInstanceOf(ShipmentError);
    expect(finished).toBe(1);
  });

  it('waits for every call in flight before flush returns', async () => {
    let finished = 0;
    firehoseMock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      finished++;
      return output(input.Records!.map(() => ok()));
    });
    const s = sender({ concurrency: 3 });
    for (let i = 0; i < 1_400; i++) await s.put(Buffer.from(`r${i}`));
    await s.flush();
    expect(finished).toBe(3);
  });
});

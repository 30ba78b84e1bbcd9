import { describe, expect, it } from 'vitest';
import { FIREHOSE_LIMITS } from '../config/limits.js';
import { transformFirehoseEvent, type FirehoseTransformEvent, type FirehoseTransformResponse } from '../transforms/firehose-transform.js';
import { formatOf } from '../transforms/registry.js';
import {
  checkResponse,
  inProcessInvoker,
  invokeProcessor,
  type CheckedOutput,
  type InvocationOutcome,
  type InvocationRequest,
} from './processor-invocation.js';

const ELB = formatOf('elb');
const elbLine = (n: number, hour = 5) =>
  `2026-03-01T${String(hour).padStart(2, '0')}:00:${String(n % 60).padStart(2, '0')}.000000Z lb 10.0.0.${n % 250}:1234 10.1.0.1:80 0.1 0.2 0.3 200 200 10 20 "GET http://x/${n} HTTP/1.1" "ua" - -`;
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function request(datas: string[]): InvocationRequest {
  return {
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/loghose-elb',
    region: 'us-east-1',
    records: datas.map((data, i) => ({ recordId: `r${i}`, arrival: Date.UTC(2026, 2, 1, 12) + i, data })),
  };
}

const partitionKeys = { dt: '2026-03-01', hour: '05' };
const okRecord = (recordId: string, text = '{"a":1}\n') => ({ recordId, result: 'Ok', data: b64(text), metadata: { partitionKeys } });
const ids = (...list: string[]) => list.map((recordId) => ({ recordId }));

function expectFailure(outcome: InvocationOutcome, code: string): void {
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) {
    expect(outcome.code).toBe(code);
    expect(outcome.message.length).toBeGreaterThan(0);
  }
}

function outputsOf(outcome: InvocationOutcome): readonly CheckedOutput[] {
  if (!outcome.ok) throw new Error(`expected an ok outcome, got ${outcome.code}: ${outcome.message}`);
  return outcome.outputs;
}

describe('checkResponse', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'records'],
    ['no records', {}],
    ['records not an array', { records: { r0: okRecord('r0') } }],
    ['records null', { records: null }],
  ])('fails with Lambda.JsonProcessingException when the response is %s', (_why, response) => {
    expectFailure(checkResponse(ids('r0'), response), 'Lambda.JsonProcessingException');
  });

  it('fails with Lambda.MissingRecordId for an id it did not send', () => {
    expectFailure(checkResponse(ids('r0'), { records: [okRecord('r0'), okRecord('r9')] }), 'Lambda.MissingRecordId');
    expectFailure(checkResponse(ids('r0'), { records: [okRecord('nope')] }), 'Lambda.MissingRecordId');
    expectFailure(checkResponse(ids('1'), { records: [{ ...okRecord('1'), recordId: 1 }] }), 'Lambda.MissingRecordId');
    expectFailure(checkResponse(ids('r0'), { records: [null] }), 'Lambda.MissingRecordId');
  });

  it('fails with Lambda.MissingRecordId when ids are missing from the response', () => {
    expectFailure(checkResponse(ids('r0', 'r1', 'r2'), { records: [okRecord('r0'), okRecord('r2')] }), 'Lambda.MissingRecordId');
    expectFailure(checkResponse(ids('r0'), { records: [] }), 'Lambda.MissingRecordId');
    const outcome = checkResponse(ids('r0', 'r1', 'r2'), { records: [okRecord('r1')] });
    expectFailure(outcome, 'Lambda.MissingRecordId');
    if (!outcome.ok) expect(outcome.message).toMatch(/^2 /);
  });

  it('fails with Lambda.DuplicatedRecordId for an id returned twice', () => {
    expectFailure(checkResponse(ids('r0', 'r1'), { records: [okRecord('r0'), okRecord('r0'), okRecord('r1')] }), 'Lambda.DuplicatedRecordId');
    expectFailure(
      checkResponse(ids('r0'), { records: [{ recordId: 'r0', result: 'Dropped', data: '' }, okRecord('r0')] }),
      'Lambda.DuplicatedRecordId',
    );
  });

  it.each([['Maybe'], ['ok'], ['OK'], [undefined], [null], [1]])('fails with Lambda.InvalidReturnedResult for result %j', (result) => {
    expectFailure(checkResponse(ids('r0'), { records: [{ ...okRecord('r0'), result }] }), 'Lambda.InvalidReturnedResult');
  });

  it.each([
    ['not base64', 'not base64!'],
    ['base64url', b64('??>>').replaceAll('/', '_').replaceAll('+', '-')],
    ['wrongly padded', 'QQ='],
    ['with a newline', `${b64('{"a":1}\n')}\n`],
    ['not a string', 42],
    ['missing', undefined],
  ])('fails with Lambda.InvalidDataEncoding for Ok data %s', (_why, data) => {
    expectFailure(checkResponse(ids('r0'), { records: [{ ...okRecord('r0'), data }] }), 'Lambda.InvalidDataEncoding');
    // With decoding into given memory too.
    expectFailure(checkResponse(ids('r0'), { records: [{ ...okRecord('r0'), data }] }, (size) => new ArrayBuffer(size)), 'Lambda.InvalidDataEncoding');
  });

  it('fails with Lambda.InvalidDataEncoding when a Dropped or ProcessingFailed record has no data string', () => {
    expectFailure(checkResponse(ids('r0'), { records: [{ recordId: 'r0', result: 'Dropped' }] }), 'Lambda.InvalidDataEncoding');
    expectFailure(checkResponse(ids('r0'), { records: [{ recordId: 'r0', result: 'ProcessingFailed', data: null }] }), 'Lambda.InvalidDataEncoding');
  });

  it.each([
    ['no metadata', undefined],
    ['no partitionKeys', {}],
    ['no hour', { partitionKeys: { dt: '2026-03-01' } }],
    ['no dt', { partitionKeys: { hour: '05' } }],
    ['a malformed dt', { partitionKeys: { dt: '2026-3-01', hour: '05' } }],
    ['a dt with a time', { partitionKeys: { dt: '2026-03-01T00', hour: '05' } }],
    ['a one-digit hour', { partitionKeys: { dt: '2026-03-01', hour: '5' } }],
    ['a numeric hour', { partitionKeys: { dt: '2026-03-01', hour: 5 } }],
    ['a path in the hour', { partitionKeys: { dt: '2026-03-01', hour: '05/x' } }],
  ])('fails with DynamicPartitioning.MetadataExtractionFailed for an Ok record with %s', (_why, metadata) => {
    expectFailure(checkResponse(ids('r0'), { records: [{ ...okRecord('r0'), metadata }] }), 'DynamicPartitioning.MetadataExtractionFailed');
  });

  it('does not need partition keys for Dropped and ProcessingFailed records', () => {
    const outputs = outputsOf(
      checkResponse(ids('r0', 'r1'), {
        records: [
          { recordId: 'r0', result: 'Dropped', data: '' },
          { recordId: 'r1', result: 'ProcessingFailed', data: 'the original, any text' },
        ],
      }),
    );
    expect(outputs).toEqual([
      { recordId: 'r0', result: 'Dropped' },
      { recordId: 'r1', result: 'ProcessingFailed' },
    ]);
  });

  it('fails with Lambda.FunctionError when the response exceeds the 6 MB payload limit', () => {
    const limit = FIREHOSE_LIMITS.lambdaPayloadBytes;
    const over = 'A'.repeat(limit); // 6 MiB of data alone, plus the envelope
    expectFailure(checkResponse(ids('r0'), { records: [{ ...okRecord('r0'), data: over }] }), 'Lambda.FunctionError');
    // Across records too; checked before anything else.
    const half = 'QUJD'.repeat(Math.ceil(limit / 8));
    expectFailure(
      checkResponse(ids('r0', 'r1'), { records: [{ recordId: 'r0', result: 'ProcessingFailed', data: half }, { ...okRecord('r1'), data: half }] }),
      'Lambda.FunctionError',
    );
    expectFailure(checkResponse(ids('r0'), { records: [{ ...okRecord('r9'), data: over }] }), 'Lambda.FunctionError');
    // A response under the limit passes.
    const under = 'QUJD'.repeat(Math.floor((limit - 1024) / 4));
    expect(outputsOf(checkResponse(ids('r0'), { records: [{ ...okRecord('r0'), data: under }] }))[0].documents!.length).toBe((under.length / 4) * 3);
  });

  it('decodes Ok outputs, in response order, with their partitions', () => {
    const good = JSON.stringify({ a: 1 });
    const bad = JSON.stringify({ _raw: 'x', _error: 'why' });
    const outcome = checkResponse(ids('r0', 'r1', 'r2', 'r3'), {
      records: [
        okRecord('r2', `${good}\n${bad}\n\n${good}\n`),
        { recordId: 'r0', result: 'Dropped', data: '' },
        { ...okRecord('r3', `${bad}`), metadata: { partitionKeys: { dt: '2025-12-31', hour: '23' } } },
        okRecord('r1', ''),
      ],
    });
    const outputs = outputsOf(outcome);
    expect(outputs.map((o) => o.recordId)).toEqual(['r2', 'r0', 'r3', 'r1']);
    expect(outputs[0]).toMatchObject({ result: 'Ok', partition: partitionKeys });
    expect(Buffer.from(outputs[0].documents!).toString()).toBe(`${good}\n${bad}\n\n${good}\n`);
    expect(outputs[1]).toEqual({ recordId: 'r0', result: 'Dropped' });
    expect(outputs[2]).toMatchObject({ result: 'Ok', partition: { dt: '2025-12-31', hour: '23' } });
    expect(Buffer.from(outputs[2].documents!).toString()).toBe(bad);
    expect(outputs[3]).toMatchObject({ result: 'Ok' });
    expect(outputs[3].documents!.length).toBe(0);
  });

  it('decodes into the memory it is given: the documents are a view of that buffer, with the same bytes', () => {
    const texts = ['{"a":1}\n{"_raw":"x","_error":"e"}\n', '{"é":"😀"}\n'.repeat(500), ''];
    const response = { records: texts.map((text, i) => okRecord(`r${i}`, text)) };
    const plain = outputsOf(checkResponse(ids('r0', 'r1', 'r2'), response));
    const given: { size: number; buffer: ArrayBuffer }[] = [];
    const memory = (size: number): ArrayBuffer => {
      const buffer = new ArrayBuffer(size + 1000); // more than asked for
      new Uint8Array(buffer).fill(0xee);
      given.push({ size, buffer });
      return buffer;
    };
    const decoded = outputsOf(checkResponse(ids('r0', 'r1', 'r2'), response, memory));
    expect(given.map((g) => g.size)).toEqual(texts.map((t) => Buffer.byteLength(t)));
    decoded.forEach((output, i) => {
      expect(output.documents!.buffer).toBe(given[i].buffer);
      expect(output.documents!.byteOffset).toBe(0);
      expect(output.documents!.length).toBe(Buffer.byteLength(texts[i]));
      expect(Buffer.from(output.documents!).equals(Buffer.from(plain[i].documents!))).toBe(true);
      expect(Buffer.from(output.documents!).toString()).toBe(texts[i]);
      expect({ ...output, documents: undefined }).toEqual({ ...plain[i], documents: undefined });
      // Nothing written past the documents.
      expect(new Uint8Array(given[i].buffer, output.documents!.length).every((b) => b === 0xee)).toBe(true);
    });
  });

  it('does not ask for memory for Dropped or ProcessingFailed records', () => {
    let asked = 0;
    const outputs = outputsOf(
      checkResponse(
        ids('r0', 'r1'),
        { records: [{ recordId: 'r0', result: 'Dropped', data: '' }, { recordId: 'r1', result: 'ProcessingFailed', data: b64('raw') }] },
        (size) => {
          asked++;
          return new ArrayBuffer(size);
        },
      ),
    );
    expect(asked).toBe(0);
    expect(outputs.every((o) => o.documents === undefined)).toBe(true);
  });
});

describe('invokeProcessor', () => {
  const transform = (event: FirehoseTransformEvent): FirehoseTransformResponse => transformFirehoseEvent(event, { format: ELB }).response;

  it('builds the Firehose event from the request and checks the transform response', async () => {
    const req = request([b64(`${elbLine(1)}\n${elbLine(2)}\ngarbage`), b64('\n'), 'not base64!', b64(elbLine(3, 7))]);
    let seen: FirehoseTransformEvent | undefined;
    const outcome = await invokeProcessor((event) => {
      seen = event;
      return transform(event);
    }, req);
    expect(seen).toMatchObject({ deliveryStreamArn: req.deliveryStreamArn, region: 'us-east-1' });
    expect(typeof seen!.invocationId).toBe('string');
    expect(seen!.invocationId.length).toBeGreaterThan(0);
    expect(seen!.records).toEqual(req.records.map((r) => ({ recordId: r.recordId, approximateArrivalTimestamp: r.arrival, data: r.data })));
    const outputs = outputsOf(outcome);
    expect(outputs.map((o) => [o.recordId, o.result])).toEqual([
      ['r0', 'Ok'],
      ['r1', 'Dropped'],
      ['r2', 'ProcessingFailed'],
      ['r3', 'Ok'],
    ]);
    expect(outputs[0].partition).toEqual({ dt: '2026-03-01', hour: '05' });
    expect(outputs[3].partition).toEqual({ dt: '2026-03-01', hour: '07' });
    const docs = Buffer.from(outputs[0].documents!).toString().trimEnd().split('\n').map((d) => JSON.parse(d));
    expect(docs.map((d) => d.url ?? d._raw)).toEqual(['http://x/1', 'http://x/2', 'garbage']);
  });

  it('gives each invocation its own invocationId', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      await invokeProcessor((event) => {
        seen.add(event.invocationId);
        return transform(event);
      }, request([b64(elbLine(i))]));
    }
    expect(seen.size).toBe(5);
  });

  it('awaits an async transform', async () => {
    const outcome = await invokeProcessor(async (event) => {
      await new Promise((resolve) => setImmediate(resolve));
      return transform(event);
    }, request([b64(elbLine(1))]));
    expect(Buffer.from(outputsOf(outcome)[0].documents!).toString()).toContain('http://x/1');
  });

  it('turns a throwing transform into a Lambda.FunctionError outcome', async () => {
    const outcome = await invokeProcessor(() => {
      throw new Error('boom');
    }, request([b64(elbLine(1))]));
    expect(outcome).toEqual({ ok: false, code: 'Lambda.FunctionError', message: expect.stringContaining('boom') });
    const rejected = await invokeProcessor(() => Promise.reject(new TypeError('async boom')), request([b64(elbLine(1))]));
    expect(rejected).toEqual({ ok: false, code: 'Lambda.FunctionError', message: expect.stringContaining('async boom') });
    const thrownString = await invokeProcessor(() => {
      throw 'a string';
    }, request([b64(elbLine(1))]));
    expect(thrownString).toMatchObject({ ok: false, code: 'Lambda.FunctionError' });
  });

  it('checks the response of the transform (an invalid one is a failed outcome)', async () => {
    const outcome = await invokeProcessor((event) => ({ records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok' as const, data: r.data })) }), request([b64(elbLine(1))]));
    expectFailure(outcome, 'DynamicPartitioning.MetadataExtractionFailed');
    expectFailure(await invokeProcessor(() => ({ records: [] }), request([b64(elbLine(1))])), 'Lambda.MissingRecordId');
  });

  it('decodes into the memory it is given', async () => {
    const buffers: ArrayBuffer[] = [];
    const memory = (size: number): ArrayBuffer => {
      buffers.push(new ArrayBuffer(size));
      return buffers[buffers.length - 1];
    };
    const req = request([b64(`${elbLine(1)}\n${elbLine(2)}`), b64(elbLine(3))]);
    const withMemory = outputsOf(await invokeProcessor(transform, req, memory));
    const without = outputsOf(await invokeProcessor(transform, req));
    expect(withMemory.map((o) => o.documents!.buffer)).toEqual(buffers);
    expect(withMemory.map((o) => Buffer.from(o.documents!).toString())).toEqual(without.map((o) => Buffer.from(o.documents!).toString()));
  });

  it('is what inProcessInvoker runs', async () => {
    const req = request([b64(`${elbLine(1)}\ngarbage`)]);
    const invoked = outputsOf(await inProcessInvoker(transform)(req));
    const direct = outputsOf(await invokeProcessor(transform, req));
    // The same outcome; the in-process invoker adds `release`, which gives the documents' buffer back for reuse.
    expect(invoked.map(({ release: _release, ...o }) => ({ ...o, documents: Buffer.from(o.documents!).toString() }))).toEqual(
      direct.map((o) => ({ ...o, documents: Buffer.from(o.documents!).toString() })),
    );
    expect(invoked.every((o) => typeof o.release === 'function')).toBe(true);
    expect(await inProcessInvoker(() => Promise.reject(new Error('x')))(req)).toMatchObject({ ok: false, code: 'Lambda.FunctionError' });
  });

  it('decodes into buffers it got back (in process)', async () => {
    const invoker = inProcessInvoker(transform);
    const req = request([b64(elbLine(1))]);
    const first = outputsOf(await invoker(req))[0];
    const buffer = first.documents!.buffer;
    first.release!();
    const second = outputsOf(await invoker(req))[0];
    expect(second.documents!.buffer).toBe(buffer);
    expect(Buffer.from(second.documents!).toString()).toBe(Buffer.from(outputsOf(await invokeProcessor(transform, req))[0].documents!).toString());
  });
});

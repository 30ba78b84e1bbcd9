import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineKind, type LogFormat } from './format.js';
import { rowKernel } from './row-kernel.js';
import { loadRecordData, transformFirehoseEvent, transformRecordText, type FirehoseTransformEvent } from './firehose-transform.js';
import { ALL_FORMATS, formatOf } from './registry.js';

const ELB_LINE =
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -';
const ELB_LINE_NEXT_HOUR = ELB_LINE.replace('2015-05-13T23:', '2015-05-14T00:');

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (data: string) => Buffer.from(data, 'base64').toString('utf8');

function event(datas: string[], arrival = Date.UTC(2026, 0, 2, 3, 4, 5)): FirehoseTransformEvent {
  return {
    invocationId: 'inv-1',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/loghose-elb',
    region: 'us-east-1',
    records: datas.map((data, i) => ({ recordId: `r${i}`, approximateArrivalTimestamp: arrival, data })),
  };
}

describe('transformFirehoseEvent', () => {
  const elb = formatOf('elb');

  it('turns every line of a packed record into one JSON document, with the partition of its event time', () => {
    const { response, stats } = transformFirehoseEvent(event([b64(`${ELB_LINE}\n${ELB_LINE}\n`)]), { format: elb });
    expect(response.records).toHaveLength(1);
    const [out] = response.records;
    expect(out).toMatchObject({ recordId: 'r0', result: 'Ok', metadata: { partitionKeys: { dt: '2015-05-13', hour: '23' } } });
    const docs = unb64(out.data).split('\n');
    expect(docs.pop()).toBe('');
    expect(docs.map((d) => JSON.parse(d).elb_name)).toEqual(['my-loadbalancer', 'my-loadbalancer']);
    expect(stats).toMatchObject({ records: 1, okRecords: 1, lines: 2, rows: 2, errorRows: 0 });
  });

  it('keeps an unparseable line as an error row with the raw line', () => {
    const { response, stats } = transformFirehoseEvent(event([b64(`${ELB_LINE}\nnot a log line`)]), { format: elb });
    const docs = unb64(response.records[0].data).trim().split('\n').map((d) => JSON.parse(d));
    expect(docs[1]).toEqual({ _raw: 'not a log line', _error: expect.any(String) });
    expect(stats).toMatchObject({ rows: 1, errorRows: 1 });
  });

  it('partitions a record of only unparseable lines by arrival time', () => {
    const { response } = transformFirehoseEvent(event([b64('garbage')], Date.UTC(2026, 0, 2, 3, 4, 5)), { format: elb });
    expect(response.records[0]).toMatchObject({ result: 'Ok', metadata: { partitionKeys: { dt: '2026-01-02', hour: '03' } } });
  });

  it('counts rows of another hour in the same record (the shipper should prevent them)', () => {
    const { response, stats } = transformFirehoseEvent(event([b64(`${ELB_LINE}\n${ELB_LINE_NEXT_HOUR}`)]), { format: elb });
    expect(response.records[0].metadata?.partitionKeys).toEqual({ dt: '2015-05-13', hour: '23' });
    expect(stats.crossPartitionRows).toBe(1);
  });

  it('drops a record with only blank lines', () => {
    const { response, stats } = transformFirehoseEvent(event([b64('\n\n')]), { format: elb });
    expect(response.records[0]).toEqual({ recordId: 'r0', result: 'Dropped', data: '' });
    expect(stats.droppedRecords).toBe(1);
  });

  it('fails records that cannot be decoded, returning their original data', () => {
    const notBase64 = '!!!not base64!!!';
    const { response, stats, failures } = transformFirehoseEvent(event([notBase64, b64(ELB_LINE)]), { format: elb });
    expect(response.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'Ok']);
    expect(response.records[0].data).toBe(notBase64);
    expect(stats.failedRecords).toBe(1);
    expect(failures).toHaveLength(1);
  });

  it('reads bytes that are not UTF-8 as U+FFFD: the record’s other lines are rows as usual', () => {
    const bad = Buffer.concat([Buffer.from(`${ELB_LINE}\n${ELB_LINE}`), Buffer.from([0xff])]); // a stray byte at the end
    const withBadAgent = Buffer.from(ELB_LINE.replace('"curl/7.38.0"', '"curl-\u00ff"'), 'latin1'); // 0xff inside a field
    const { response, stats } = transformFirehoseEvent(event([bad.toString('base64'), withBadAgent.toString('base64')]), { format: elb });
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'Ok']);
    expect(stats).toMatchObject({ repairedRecords: 2, failedRecords: 0 });
    const rows = response.records.flatMap((r) => unb64(r.data).trimEnd().split('\n').map((d) => JSON.parse(d)));
    expect(rows).toHaveLength(3);
    expect(rows[2].user_agent).toBe('curl-\ufffd');
  });

  it('never lets the response exceed the payload limit: overflowing records fail with their own data', () => {
    const big = b64(Array.from({ length: 200 }, () => ELB_LINE).join('\n'));
    const records = Array.from({ length: 10 }, () => big);
    // Room for every record failed with its own data, not for all of them transformed (JSON expands).
    const limit = records.length * (big.length + 200) + 100_000;
    const { response, stats } = transformFirehoseEvent(event(records), { format: elb, maxResponseBytes: limit });
    expect(JSON.stringify(response).length).toBeLessThanOrEqual(limit);
    expect(stats.oversizeFailures).toBeGreaterThan(0);
    expect(stats.okRecords).toBeGreaterThan(0);
    for (const r of response.records) if (r.result === 'ProcessingFailed') expect(r.data).toBe(big);
  });

  it('survives a malformed event', () => {
    expect(transformFirehoseEvent({} as FirehoseTransformEvent, { format: elb }).response.records).toEqual([]);
    const odd = { records: [null, { recordId: 'x' }] } as unknown as FirehoseTransformEvent;
    const { response } = transformFirehoseEvent(odd, { format: elb });
    expect(response.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'ProcessingFailed']);
  });
});

describe('transformFirehoseEvent invariants (property)', () => {
  const lineArb = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.constant(ELB_LINE),
    fc.constant(ELB_LINE_NEXT_HOUR),
    fc.constantFrom('#Version: 1.0', '#Fields: date time x-edge-location', 'version account-id interface-id', ''),
  );
  const recordArb = fc.oneof(
    { weight: 8, arbitrary: fc.array(lineArb, { maxLength: 20 }).map((lines) => b64(lines.join('\n'))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('base64')) },
  );

  it.each(ALL_FORMATS.map((f) => [f.table, f] as const))('%s: ids once and in order, valid results, base64, partition keys, every line accounted', (_table, format) => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 12 }), (datas) => {
        const input = event(datas);
        const { response, stats } = transformFirehoseEvent(input, { format });
        expect(response.records.map((r) => r.recordId)).toEqual(input.records.map((r) => r.recordId));
        let lines = 0;
        for (const [i, out] of response.records.entries()) {
          expect(['Ok', 'Dropped', 'ProcessingFailed']).toContain(out.result);
          if (out.result === 'Ok') {
            expect(out.data).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
            expect(out.metadata?.partitionKeys.dt).toMatch(/^\d{4}-\d\d-\d\d$/);
            expect(out.metadata?.partitionKeys.hour).toMatch(/^\d\d$/);
            const docs = unb64(out.data).split('\n');
            expect(docs.pop()).toBe('');
            for (const doc of docs) expect(typeof JSON.parse(doc)).toBe('object');
            // Every input line is a row, an error row or a counted skip.
            const text = unb64(input.records[i].data);
            const parser = format.createParser();
            let expectedDocs = 0;
            for (const line of text.split('\n')) {
              if (text.length > 0 && parser.parse(line.replace(/\r$/, '')) !== LineKind.Skip) expectedDocs++;
            }
            if (text.endsWith('\n')) expectedDocs -= parser.parse('') === LineKind.Skip ? 0 : 1;
            expect(docs.length).toBe(expectedDocs);
            lines += docs.length;
          }
          if (out.result === 'ProcessingFailed') expect(out.data).toBe(input.records[i].data);
        }
        expect(stats.rows + stats.errorRows).toBe(lines);
        expect(JSON.stringify(response).length).toBeLessThan(6 * 1024 * 1024);
      }),
      { numRuns: 150 },
    );
  });
});

describe('transformFirehoseEvent output bytes', () => {
  // The handler writes rows as UTF-8 bytes into one reused buffer, through the parsers' byte-level
  // fast path where they have one: the records it returns must hold exactly the documents the
  // string path (LineParser.parse, line by line) makes, and so must transformRecordText.
  const SAMPLES: Record<string, string[]> = {
    elb: [ELB_LINE, ELB_LINE_NEXT_HOUR, `${ELB_LINE.slice(0, -4)} "é 😀 \\"q\\"" -`, 'garbage \u0001 line', ''],
    cloudfront: [
      '#Version: 1.0',
      '#Fields: date time cs-uri-query sc-bytes c-ip',
      '2019-12-04\t21:02:31\tq=caf%C3%A9\t392\t192.0.2.1',
      '2019-12-04\t21:02:31\ta="x"\t392\t192.0.2.1',
      '2019-12-04\t21:02:31\t-\tx\t192.0.2.1',
      '2019-12-04\t21:02:32\tq=1&r=%E2%82%AC\t0\t192.0.2.1\r',
      '2019-12-04\t21:02:32\t-\t-\t2001:db8::1',
      '2019-12-05\t01:00:00\tq=caf\u00e9\t7\t192.0.2.1',
      '2019-12-05\t01:00:00\t-\t007\t192.0.2.1',
      '#Fields: date time c-ip sc-bytes',
      '2019-12-05\t01:00:00\t192.0.2.1\t5',
    ],
  };

  function stringPathText(format: LogFormat, text: string): string {
    const parser = format.createParser();
    let out = '';
    for (const raw of text.split('\n')) {
      if (raw === '' && out === '' && text === '') continue;
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (parser.parse(line) !== LineKind.Skip) out += `${parser.json}\n`;
    }
    return out;
  }

  for (const [table, lines] of Object.entries(SAMPLES)) {
    it(`returns the bytes of transformRecordText's text (${table}), record after record`, () => {
      const format = formatOf(table as 'elb' | 'cloudfront');
      fc.assert(
        fc.property(fc.array(fc.array(fc.constantFrom(...lines), { maxLength: 30 }), { minLength: 1, maxLength: 5 }), (records) => {
          const texts = records.map((r) => r.join('\n'));
          const { response } = transformFirehoseEvent(event(texts.map(b64), 0), { format });
          response.records.forEach((out, i) => {
            const expected = transformRecordText(format, texts[i], 0);
            expect(out.result).toBe(expected.result === 'Ok' ? 'Ok' : 'Dropped');
            if (out.result === 'Ok') {
              expect(unb64(out.data)).toBe(expected.text);
              expect(expected.text).toBe(stringPathText(format, texts[i].endsWith('\n') ? texts[i].slice(0, -1) : texts[i]));
            }
          });
        }),
        { numRuns: 300 },
      );
    });
  }

  it('grows its buffer for a record larger than the last', () => {
    const small = b64(ELB_LINE);
    // ~2 MB of JSON: past the buffer's first 1 MiB, within the 6 MB response.
    const large = b64(Array.from({ length: 5000 }, () => ELB_LINE).join('\n'));
    const { response } = transformFirehoseEvent(event([small, large, small]), { format: formatOf('elb') });
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'Ok', 'Ok']);
    expect(unb64(response.records[1].data).split('\n')).toHaveLength(5001);
    expect(response.records[2].data).toBe(response.records[0].data);
  });
});

describe('loadRecordData', () => {
  it('decodes exactly what a lenient UTF-8 TextDecoder does (byte order mark dropped), saying when it repaired bytes', () => {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    const lenient = new TextDecoder('utf-8');
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ max: 0x7f, maxLength: 64 }),
      fc.string({ unit: 'binary', maxLength: 32 }).map((s) => new Uint8Array(Buffer.from(`\ufeff${s}`, 'utf8'))),
    );
    fc.assert(
      fc.property(bytes, (data) => {
        let valid = true;
        try {
          utf8.decode(data);
        } catch {
          valid = false;
        }
        const kernel = rowKernel();
        const decoded = loadRecordData(kernel, Buffer.from(data).toString('base64'));
        if ('error' in decoded) throw new Error(decoded.error);
        expect(kernel.bytes.toString('utf8', decoded.start, decoded.end)).toBe(lenient.decode(data));
        expect(decoded.ascii).toBe(data.every((b) => b < 0x80));
        expect(decoded.repaired ?? false).toBe(!valid);
      }),
      { numRuns: 5000 },
    );
  });
  it('says why data it cannot load is refused: missing, not base64', () => {
    const kernel = rowKernel();
    for (const missing of [undefined, null, 42, { data: 'QUJD' }, Buffer.from('QUJD')]) {
      expect(loadRecordData(kernel, missing)).toEqual({ error: 'record data is missing' });
    }
    for (const bad of ['QUJ', 'QU*D', 'QU-D', 'QU_D', 'QUJD QUJ', 'QQ==QUJD']) {
      expect(loadRecordData(kernel, bad), bad).toEqual({ error: 'record data is not valid base64' });
    }
  });

  it('points at the text inside the kernel for a record larger than 1 MiB (memory grown), BOM skipped', () => {
    const kernel = rowKernel();
    const text = `\u00e9${ELB_LINE}\n`.repeat(8000); // ~1.5 MB, not ASCII
    expect(Buffer.byteLength(text)).toBeGreaterThan(1 << 20);
    const withBom = loadRecordData(kernel, b64(`\ufeff${text}`));
    expect(withBom).toEqual({ start: kernel.inputStart + 3, end: kernel.inputStart + 3 + Buffer.byteLength(text), ascii: false });
    if ('error' in withBom) return;
    expect(kernel.bytes.toString('utf8', withBom.start, withBom.end)).toBe(text);

    const ascii = ELB_LINE.repeat(10_000);
    const plain = loadRecordData(kernel, b64(ascii));
    expect(plain).toEqual({ start: kernel.inputStart, end: kernel.inputStart + ascii.length, ascii: true });
    if ('error' in plain) return;
    expect(kernel.bytes.toString('latin1', plain.start, plain.end)).toBe(ascii);
    // The same large data made invalid: refused.
    expect(loadRecordData(kernel, `${b64(ascii).slice(0, -4)}*AAA`)).toEqual({ error: 'record data is not valid base64' });
  });
});

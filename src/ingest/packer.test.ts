import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordPacker, type PackedRecord } from './packer.js';

function packer(recordBytes: number, maxBufferedBytes = 1 << 30): { packer: RecordPacker; records: PackedRecord[] } {
  const records: PackedRecord[] = [];
  return { packer: new RecordPacker({ recordBytes, maxBufferedBytes, emit: (r) => void records.push(r) }), records };
}

/** The record's lines after its header lines. */
function dataLinesOf(record: PackedRecord, header: string): string[] {
  const lines = record.data.toString('latin1').split('\n');
  const headerLines = header === '' ? 0 : header.split('\n').length;
  expect(lines.slice(0, headerLines).join('\n')).toBe(header);
  return lines.slice(headerLines);
}

describe('RecordPacker', () => {
  it('groups lines by partition, one partition per record, in order within each', async () => {
    const { packer: p, records } = packer(1024);
    const input: [string, string][] = [
      ['2019-12-04/21', 'a1'],
      ['2019-12-04/22', 'b1'],
      ['2019-12-04/21', 'a2'],
      ['', 'untimed'],
      ['2019-12-04/22', 'b2'],
      ['2019-12-04/21', 'a3'],
    ];
    for (const [partition, line] of input) await p.add(partition, line);
    expect(records).toHaveLength(0);
    await p.flush();
    expect(records.map((r) => [r.partition, r.data.toString(), r.lines])).toEqual([
      ['2019-12-04/21', 'a1\na2\na3', 3],
      ['2019-12-04/22', 'b1\nb2', 2],
      ['', 'untimed', 1],
    ]);
    await p.flush();
    expect(records).toHaveLength(3);
  });

  it('cuts records at recordBytes (counting the separators), and writes byte strings back byte for byte', async () => {
    const { packer: p, records } = packer(100);
    const text = 'é'.repeat(12); // 24 bytes in UTF-8, 25 with its newline
    const line = Buffer.from(text).toString('latin1'); // as the shipper reads it
    for (let i = 0; i < 10; i++) await p.add('p', line);
    await p.flush();
    expect(records.map((r) => r.lines)).toEqual([4, 4, 2]);
    for (const record of records) expect(record.data.length).toBeLessThanOrEqual(100);
    expect(records[0].data.length).toBe(4 * 24 + 3);
    expect(records[0].data.toString('utf8')).toBe(Array(4).fill(text).join('\n'));
  });

  it('puts a line longer than recordBytes alone into its own record', async () => {
    const { packer: p, records } = packer(50);
    await p.add('p', 'short');
    await p.add('p', 'L'.repeat(120));
    await p.add('p', 'after');
    await p.flush();
    expect(records.map((r) => r.data.toString())).toEqual(['short', 'L'.repeat(120), 'after']);
  });

  it('leads every record with the header, and counts it in the record size', async () => {
    const header = '#Version: 1.0\n#Fields: date time x-edge-location';
    const { packer: p, records } = packer(header.length + 1 + 3 * 11);
    await p.setHeader(header);
    for (let i = 0; i < 7; i++) await p.add(i % 2 === 0 ? 'even' : 'odd', `line-${String(i).padStart(5, '0')}`);
    await p.flush();
    expect(records.length).toBeGreaterThan(2);
    for (const record of records) {
      expect(record.data.toString().startsWith(`${header}\n`)).toBe(true);
      expect(record.data.length).toBeLessThanOrEqual(header.length + 1 + 3 * 11);
      expect(dataLinesOf(record, header)).toHaveLength(record.lines);
    }
    expect(records.reduce((n, r) => n + r.lines, 0)).toBe(7);
  });

  it('flushes what it holds when the header changes, so each record carries the header its lines were read under', async () => {
    const { packer: p, records } = packer(10_000);
    await p.setHeader('version srcaddr start');
    await p.add('2019-08-26/19', '2 10.0.0.1 1566848875');
    await p.add('2019-08-26/20', '2 10.0.0.2 1566852475');
    await p.setHeader('version srcaddr start'); // unchanged: nothing happens
    expect(records).toHaveLength(0);
    await p.setHeader('start srcaddr version');
    expect(records.map((r) => r.data.toString())).toEqual([
      'version srcaddr start\n2 10.0.0.1 1566848875',
      'version srcaddr start\n2 10.0.0.2 1566852475',
    ]);
    await p.add('2019-08-26/19', '1566848876 10.0.0.3 2');
    await p.flush();
    expect(records[2].data.toString()).toBe('start srcaddr version\n1566848876 10.0.0.3 2');
    await p.setHeader('');
    await p.add('x', 'no header');
    await p.flush();
    expect(records[3].data.toString()).toBe('no header');
  });

  it('emits the largest group when the buffered bytes pass maxBufferedBytes', async () => {
    const { packer: p, records } = packer(10_000, 100);
    for (let i = 0; i < 4; i++) await p.add('small', `s${i}`); // 3 bytes each with newline
    for (let i = 0; i < 8; i++) await p.add('big', `big-line-${i}`); // 11 bytes each: 100 in all, not over
    expect(records).toHaveLength(0);
    await p.add('big', 'big-line-8');
    expect(records).toHaveLength(1);
    expect(records[0].partition).toBe('big');
    expect(records[0].lines).toBe(9);
    await p.flush();
    expect(records.map((r) => r.partition)).toEqual(['big', 'small']);
  });

  it('keeps the buffered bytes within maxBufferedBytes plus one line, across many partitions', async () => {
    let held = 0;
    const records: PackedRecord[] = [];
    const max = 2_000;
    const p = new RecordPacker({
      recordBytes: 1_000,
      maxBufferedBytes: max,
      emit: (r) => {
        records.push(r);
        held -= r.data.length + 1;
      },
    });
    for (let i = 0; i < 5_000; i++) {
      const line = `line ${i} ${'x'.repeat(i % 50)}`;
      await p.add(`2020-01-01/${String(i % 24).padStart(2, '0')}`, line);
      held += Buffer.byteLength(line) + 1;
      expect(held).toBeLessThanOrEqual(max + 60);
    }
    await p.flush();
    expect(records.reduce((n, r) => n + r.lines, 0)).toBe(5_000);
  });

  it('awaits an async emit before going on (backpressure)', async () => {
    const order: string[] = [];
    const p = new RecordPacker({
      recordBytes: 5,
      maxBufferedBytes: 1 << 20,
      emit: async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        order.push(`emitted ${r.data.toString()}`);
      },
    });
    await p.add('p', 'abcd');
    order.push('added 1');
    await p.add('p', 'efgh');
    order.push('added 2');
    await p.flush();
    expect(order).toEqual(['added 1', 'emitted abcd', 'added 2', 'emitted efgh']);
  });

  it('property: every line appears exactly once, in order within its partition, within the size limits', async () => {
    const partitionArb = fc.constantFrom('', '2019-12-04/21', '2019-12-04/22', '2020-01-01/00', '1999-12-31/23');
    // Byte strings, as the shipper reads lines.
    const lineArb = fc.string({ unit: 'grapheme', maxLength: 80 }).map((s) => Buffer.from(s.replace(/[\r\n]/g, ' ')).toString('latin1'));
    const itemArb = fc.oneof(
      { weight: 9, arbitrary: fc.record({ partition: partitionArb, line: lineArb }) },
      { weight: 1, arbitrary: fc.record({ header: fc.constantFrom('', '#Fields: a b', 'version start end', '#Version: 1.0\n#Fields: date time') }) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(itemArb, { maxLength: 300 }),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 3_000 }),
        async (items, recordBytes, maxBufferedBytes) => {
          const emitted: { record: PackedRecord; header: string }[] = [];
          let header = '';
          const p = new RecordPacker({ recordBytes, maxBufferedBytes, emit: (record) => void emitted.push({ record, header }) });
          const expected = new Map<string, string[]>();
          for (const item of items) {
            if ('header' in item) {
              await p.setHeader(item.header);
              header = item.header;
              continue;
            }
            await p.add(item.partition, item.line);
            expected.set(item.partition, [...(expected.get(item.partition) ?? []), item.line]);
          }
          await p.flush();
          const actual = new Map<string, string[]>();
          for (const { record, header: recordHeader } of emitted) {
            const lines = dataLinesOf(record, recordHeader);
            expect(lines).toHaveLength(record.lines);
            expect(record.lines).toBeGreaterThan(0);
            if (record.lines > 1) expect(record.data.length).toBeLessThanOrEqual(recordBytes);
            actual.set(record.partition, [...(actual.get(record.partition) ?? []), ...lines]);
          }
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

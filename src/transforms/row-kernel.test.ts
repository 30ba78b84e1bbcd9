import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowKernel, type KernelSource } from './row-kernel.js';
import { JsonSafety, RowWriter } from './row-writer.js';
import type { Column, ScalarType } from './schema.js';

const TYPES: ScalarType[] = ['string', 'int', 'bigint', 'float', 'double', 'boolean', 'date', 'timestamp'];

/** Values of every shape a writer must tell apart: canonical and not, null markers, junk. */
const value = fc.oneof(
  fc.constantFrom('-', '', '0', '-0', '00', '007', '-7', '-07', '42', '1.5', '0.25', '-0.5', '.5', '1.', '1e3', 'true', 'false', 'TRUE'),
  fc.constantFrom('2024-02-29', '2024-13-01', '2024-1-01', '12345678901234567890', '123456789012345678901', '-1234567890123456789'),
  fc.constantFrom('1'.repeat(41), `0.${'1'.repeat(38)}`, `0.${'1'.repeat(39)}`),
  fc.stringMatching(/^[ -~]{0,12}$/).filter((s) => !s.includes('\t')),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
);

describe('RowKernel', () => {
  it('writes exactly what the string row writer writes, or declines', () => {
    const kernel = new RowKernel();
    let taken = 0;
    let declined = 0;
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.constantFrom(...TYPES), value }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.nat(4),
        (fields, emptyIsNull, drop) => {
          const columns: Column[] = fields.map((f, i) => ({ name: `c${i}`, type: f.type }));
          const sources: KernelSource[] = columns.map((_, i) => i);
          // Missing trailing fields are null.
          const present = fields.slice(0, Math.max(0, fields.length - drop));
          const line = Buffer.from(present.map((f) => f.value).join('\t'), 'latin1');
          const start = kernel.load(line, 0, line.length);
          const count = kernel.splitTabs(start, start + line.length, columns.length);
          if (present.some((f) => /["\\\x00-\x1f\x7f-\uffff]/.test(f.value))) return;
          expect(count).toBe(present.length === 0 ? 1 : present.length);
          const plan = kernel.plan(columns, sources, { emptyIsNull })!;
          kernel.reserve(plan.fixedBytes + line.length);
          const written = kernel.writeRow(plan, present.length);
          const writer = new RowWriter(columns);
          const compiled = writer.compile(sources, { plain: true, emptyIsNull });
          const values = fields.map((f, i) => (i < present.length ? f.value : undefined));
          const expected = compiled(values, JsonSafety.Plain, undefined, undefined, writer);
          if (written) expect(kernel.output().toString('latin1')).toBe(`${expected}\n`);
          else expect(kernel.output().length).toBe(0);
          if (written) taken++;
          else declined++;
        },
      ),
      { numRuns: 3000 },
    );
    // Both outcomes were exercised: the kernel is not declining everything.
    expect(taken).toBeGreaterThan(300);
    expect(declined).toBeGreaterThan(300);
  });

  it('declines lines with bytes that need escaping or are not ASCII', () => {
    const kernel = new RowKernel();
    for (const text of ['a"b', 'a\\b', 'a\u0001b', 'a\rb', 'caf\u00e9', 'a\u007fb']) {
      const bytes = Buffer.from(`x\t${text}\ty`, 'utf8');
      const start = kernel.load(bytes, 0, bytes.length);
      expect(kernel.splitTabs(start, start + bytes.length, 8), JSON.stringify(text)).toBe(-1);
    }
    const ok = Buffer.from('x\t ~#!\ty', 'latin1');
    const start = kernel.load(ok, 0, ok.length);
    expect(kernel.splitTabs(start, start + ok.length, 8)).toBe(3);
    expect(kernel.splitTabs(start, start + ok.length, 2)).toBe(2);
  });

  it('writes derived values: a string and ready-made JSON (non-ASCII included)', () => {
    const kernel = new RowKernel();
    const columns: Column[] = [
      { name: 'x', type: 'int' },
      { name: 'timestamp', type: 'timestamp' },
      { name: 'q', type: { kind: 'map', key: 'string', value: 'string' } },
    ];
    const plan = kernel.plan(columns, [0, 'a', 'b'])!;
    const line = Buffer.from('0042');
    const start = kernel.load(line, 0, line.length);
    expect(kernel.splitTabs(start, start + line.length, 1)).toBe(1);
    expect(kernel.setA('2024-01-02T03:04:05Z')).toBe(true);
    expect(kernel.setB('{"k":"é"}')).toBe(true);
    kernel.reserve(plan.fixedBytes + 64);
    expect(kernel.writeRow(plan, 1)).toBe(true);
    expect(kernel.setB(undefined)).toBe(true);
    expect(kernel.writeRow(plan, 1)).toBe(true);
    expect(kernel.output().toString('utf8')).toBe(
      '{"x":42,"timestamp":"2024-01-02T03:04:05Z","q":{"k":"é"}}\n{"x":42,"timestamp":"2024-01-02T03:04:05Z"}\n',
    );
  });

  it('writes a field slot from a text the parser gives (an escaped value) instead of the line', () => {
    const kernel = new RowKernel();
    const columns: Column[] = [
      { name: 'a', type: 'string' },
      { name: 'b', type: 'string' },
    ];
    const plan = kernel.plan(columns, [0, 1])!;
    const line = Buffer.from('x\ty"z');
    const start = kernel.load(line, 0, line.length);
    kernel.setRange(0, start, start + 1);
    kernel.setRange(1, start + 2, start + line.length);
    expect(kernel.setText(1, 'y\\"z')).toBe(true);
    kernel.reserve(plan.fixedBytes + 16);
    expect(kernel.writeRow(plan, 2)).toBe(true);
    expect(kernel.output().toString('latin1')).toBe('{"a":"x","b":"y\\"z"}\n');
    expect(kernel.setText(0, 'q'.repeat(70_000))).toBe(false);
  });

  it('grows its memory for records and outputs larger than it has, keeping what it wrote', () => {
    const kernel = new RowKernel();
    const columns: Column[] = [{ name: 'text', type: 'string' }];
    const plan = kernel.plan(columns, [0])!;
    const line = `${'a'.repeat(1000)}\n`;
    const record = Buffer.from(line.repeat(8000)); // 8 MB in, ~8 MB out
    const start = kernel.load(record, 0, record.length);
    for (let at = start; at < start + record.length; at += line.length) {
      expect(kernel.splitTabs(at, at + line.length - 1, 1)).toBe(1);
      kernel.reserve(plan.fixedBytes + line.length);
      expect(kernel.writeRow(plan, 1)).toBe(true);
    }
    const out = kernel.output().toString('latin1').split('\n');
    expect(out).toHaveLength(8001);
    expect(out[7999]).toBe(`{"text":"${'a'.repeat(1000)}"}`);
  });
});

describe('RowKernel.loadBase64', () => {
  /** Deterministic pseudo-random bytes (fast to make at megabyte sizes). */
  function noise(length: number, seed: number): Buffer {
    const out = Buffer.alloc(length);
    let state = seed >>> 0 || 1;
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[i] = state & 0xff;
    }
    return out;
  }

  function expectLoaded(kernel: RowKernel, bytes: Buffer): void {
    const length = kernel.loadBase64(bytes.toString('base64'));
    expect(length).toBe(bytes.length);
    const start = kernel.inputStart;
    expect(kernel.bytes.subarray(start, start + length).equals(bytes)).toBe(true);
    // Like `load`: the output is emptied and starts after the input.
    expect(kernel.output().length).toBe(0);
    expect(kernel.bytes.subarray(start + length, start + length + 16).every((b) => b === 0)).toBe(true);
  }

  it('property: puts exactly the decoded bytes at bytes[inputStart, inputStart + length), like load', () => {
    const kernel = new RowKernel();
    const other = new RowKernel();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        const bytes = Buffer.from(data);
        expectLoaded(kernel, bytes);
        // The same place `load` puts them.
        expect(other.load(bytes, 0, bytes.length)).toBe(kernel.inputStart);
      }),
      { numRuns: 300 },
    );
  });

  it('returns -1 for data that is not strict base64', () => {
    const kernel = new RowKernel();
    for (const bad of ['QUJ', 'QU*D', 'QUJD QUJ', 'QU-D', 'QU_D', 'QQ==QUJD', 'Q===', 'QUJD\n']) {
      expect(kernel.loadBase64(bad), JSON.stringify(bad)).toBe(-1);
    }
    // The kernel still loads valid data afterwards.
    expectLoaded(kernel, Buffer.from('after a failure'));
  });

  it('grows its memory for inputs larger than 1 MiB, valid or not', () => {
    const kernel = new RowKernel();
    const initialSize = kernel.bytes.length;
    expectLoaded(kernel, Buffer.from('small first'));
    const large = noise(3 * 1024 * 1024 + 7, 42);
    expectLoaded(kernel, large);
    expect(kernel.bytes.length).toBeGreaterThan(initialSize);
    // Larger still, after the memory already grew once.
    const larger = noise(5 * 1024 * 1024 + 1, 7);
    expectLoaded(kernel, larger);

    // A large string with one invalid character near its end.
    const text = larger.toString('base64');
    for (const char of ['*', '-', '_', ' ']) {
      const at = text.length - 10;
      expect(kernel.loadBase64(text.slice(0, at) + char + text.slice(at + 1)), char).toBe(-1);
    }
    // A large string of the wrong length.
    expect(kernel.loadBase64(text.slice(0, -1))).toBe(-1);

    // And a small one again, after the large ones.
    expectLoaded(kernel, Buffer.from('small again'));
  });

  it('grows from a fresh kernel straight to a large input (> 1 MiB)', () => {
    const kernel = new RowKernel();
    const initialSize = kernel.bytes.length;
    const large = noise(kernel.bytes.length, 3); // as large as all of its first memory
    expectLoaded(kernel, large);
    expect(kernel.bytes.length).toBeGreaterThan(initialSize + large.length);
  });

  it('leaves a large loaded line usable by the rest of the kernel (split, write)', () => {
    const kernel = new RowKernel();
    const columns: Column[] = [
      { name: 'a', type: 'string' },
      { name: 'b', type: 'int' },
    ];
    const plan = kernel.plan(columns, [0, 1])!;
    const line = Buffer.from(`${'x'.repeat(1_500_000)}\t12`);
    const length = kernel.loadBase64(line.toString('base64'));
    expect(length).toBe(line.length);
    const start = kernel.inputStart;
    expect(kernel.splitTabs(start, start + length, 2)).toBe(2);
    kernel.reserve(plan.fixedBytes + length);
    expect(kernel.writeRow(plan, 2)).toBe(true);
    expect(kernel.output().toString('latin1')).toBe(`{"a":"${'x'.repeat(1_500_000)}","b":12}\n`);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CANONICAL_DECIMAL,
  CANONICAL_INTEGER,
  JsonSafety,
  RowWriter,
  decimalJson,
  integerJson,
  isIsoDate,
  jsonSafety,
  jsonSafetyOfTokens,
  jsonSafetyTabSeparated,
  type ValueSource,
} from './row-writer.js';
import type { Column, ScalarType } from './schema.js';

/**
 * The row writer as it was before it was compiled per column list: the straightforward loop,
 * kept here as the definition of the output every compiled writer must reproduce byte for byte.
 */
function referenceWrite(columns: readonly Column[], values: ArrayLike<string | undefined>, safe: boolean): { json?: string; error?: string } {
  let out = '{';
  for (let i = 0; i < columns.length; i++) {
    const value = values[i];
    if (value === undefined || value === '-') continue;
    const type = columns[i].type;
    let json: string | undefined;
    let typeName = 'JSON value';
    switch (type) {
      case 'string':
      case 'timestamp':
        typeName = type;
        json = safe && value.indexOf('"') === -1 ? `"${value}"` : JSON.stringify(value);
        break;
      case 'int':
      case 'bigint':
        typeName = 'integer';
        json = integerJson(value);
        break;
      case 'float':
      case 'double':
        typeName = 'number';
        json = decimalJson(value);
        break;
      case 'boolean':
        typeName = 'boolean';
        json = value === 'true' || value === 'false' ? value : undefined;
        break;
      case 'date':
        typeName = 'date';
        json = isIsoDate(value) ? `"${value}"` : undefined;
        break;
      default:
        json = value;
    }
    if (json === undefined) {
      const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
      return { error: `${columns[i].name}: not a valid ${typeName}: ${JSON.stringify(shown)}` };
    }
    out += out.length === 1 ? `${JSON.stringify(columns[i].name)}:${json}` : `,${JSON.stringify(columns[i].name)}:${json}`;
  }
  return { json: `${out}}` };
}

/** The line-level checks as they were: one regex each. */
const UNSAFE_FOR_JSON = /[\\\u0000-\u001f]/;
const UNSAFE_FOR_JSON_EXCEPT_TAB = /[\\\u0000-\u0008\u000a-\u001f]/;

const SCALARS: ScalarType[] = ['string', 'int', 'bigint', 'float', 'double', 'boolean', 'date', 'timestamp'];
const MAP_TYPE = { kind: 'map', key: 'string', value: 'string' } as const;

const columnsArb = fc
  .array(fc.oneof(fc.constantFrom(...SCALARS), fc.constant(MAP_TYPE)), { minLength: 1, maxLength: 12 })
  .map((types) => types.map((type, i): Column => ({ name: `c${i}_${typeof type === 'string' ? type : 'map'}`, type })));

const valueArb = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('-', '', '0', '00', '-0', '007', '12', '-3', '1.50', '0.001', '.5', '1e3', '-1', 'true', 'false', '2024-02-30', '2024-13-01', '2019-12-04'),
  fc.constantFrom('a"b', 'back\\slash', 'tab\there', 'ctl\u0001', 'é', '😀', '\ud800', '{"k":"v"}', '9'.repeat(21), '1'.repeat(41)),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

function safetyOf(line: string): { safe: boolean; level: JsonSafety } {
  const safe = !UNSAFE_FOR_JSON.test(line);
  return { safe, level: !safe ? JsonSafety.Unsafe : line.indexOf('"') < 0 ? JsonSafety.Plain : JsonSafety.Safe };
}

describe('compiled row writer', () => {
  it('writes exactly what the reference loop writes, for any columns, values and line safety', () => {
    fc.assert(
      fc.property(columnsArb, fc.array(valueArb, { maxLength: 12 }), (columns, raw) => {
        const values = columns.map((_, i) => raw[i]);
        // The line's safety is judged on the values together, as a parser judges its whole line.
        const { safe, level } = safetyOf(values.filter((v) => v !== undefined).join(' '));
        const writer = new RowWriter(columns);
        const expected = referenceWrite(columns, values, safe);
        const json = writer.write(values, level);
        expect(json).toBe(expected.json);
        if (expected.error !== undefined) expect(writer.error).toBe(expected.error);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads values from any source layout, derived values from a and b', () => {
    const columns: Column[] = [
      { name: 'n', type: 'int' },
      { name: 's', type: 'string' },
      { name: 'never', type: 'string' },
      { name: 'timestamp', type: 'timestamp' },
      { name: 'query_params', type: MAP_TYPE },
    ];
    const writer = new RowWriter(columns);
    const sources: ValueSource[] = [2, 1, null, 'a', 'b'];
    const compiled = writer.compile(sources, { plain: true });
    expect(compiled(['ignored', 'x', '7'], JsonSafety.Plain, '2024-01-01T00:00:00Z', '{"q":"1"}', writer)).toBe(
      '{"n":7,"s":"x","timestamp":"2024-01-01T00:00:00Z","query_params":{"q":"1"}}',
    );
    expect(compiled(['', '-', '-'], JsonSafety.Plain, undefined, undefined, writer)).toBe('{}');
    expect(writer.compile(sources, { plain: true })).toBe(compiled);
    expect(new RowWriter(columns).compile(sources, { plain: true })).toBe(compiled);
  });

  it('treats empty values as null when asked to, and emits canonical numbers as they are', () => {
    const columns: Column[] = [
      { name: 'i', type: 'bigint' },
      { name: 'd', type: 'double' },
      { name: 's', type: 'string' },
    ];
    const writer = new RowWriter(columns);
    const compiled = writer.compile([0, 1, 2], { plain: true, emptyIsNull: true, canonicalNumbers: true });
    expect(compiled(['', '', ''], JsonSafety.Plain, undefined, undefined, writer)).toBe('{}');
    expect(compiled(['-0', '0.250', 'x'], JsonSafety.Plain, undefined, undefined, writer)).toBe('{"i":-0,"d":0.250,"s":"x"}');
    expect(compiled(['1', '1'.repeat(41), 'x'], JsonSafety.Plain, undefined, undefined, writer)).toBeUndefined();
    expect(writer.error).toBe(`d: not a valid number: "${'1'.repeat(41)}"`);
  });

  it('canonical patterns accept only numbers integerJson/decimalJson return unchanged (or null)', () => {
    const integer = new RegExp(`^(?:${CANONICAL_INTEGER})$`);
    const decimal = new RegExp(`^(?:${CANONICAL_DECIMAL})$`);
    const numeric = fc.oneof(
      fc.string({ unit: fc.constantFrom('0', '1', '9', '-', '.', 'e', '+'), maxLength: 45 }),
      fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }).map(String),
      fc.double({ noNaN: true }).map(String),
    );
    fc.assert(
      fc.property(numeric, (text) => {
        if (integer.test(text) && text !== '-' && text !== '') expect(integerJson(text)).toBe(text);
        if (decimal.test(text) && text !== '-' && text !== '') expect(decimalJson(text)).toBe(text.length <= 40 ? text : undefined);
      }),
      { numRuns: 20000 },
    );
  });
});

describe('line safety', () => {
  const lineArb = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom('a', ' ', '\t', '"', '\\', '\u0000', '\u001f', '\n', '\r', 'é', '\u2028'), maxLength: 20 }),
  );

  it('agrees with the single-regex checks it replaced', () => {
    fc.assert(
      fc.property(lineArb, (line) => {
        const quote = line.indexOf('"') >= 0;
        expect(jsonSafety(line)).toBe(UNSAFE_FOR_JSON.test(line) ? JsonSafety.Unsafe : quote ? JsonSafety.Safe : JsonSafety.Plain);
        expect(jsonSafetyTabSeparated(line)).toBe(
          UNSAFE_FOR_JSON_EXCEPT_TAB.test(line) ? JsonSafety.Unsafe : quote ? JsonSafety.Safe : JsonSafety.Plain,
        );
        expect(jsonSafetyOfTokens(line, true)).toBe(UNSAFE_FOR_JSON.test(line) ? JsonSafety.Unsafe : JsonSafety.Safe);
        expect(jsonSafetyOfTokens(line, false)).toBe(UNSAFE_FOR_JSON.test(line) ? JsonSafety.Unsafe : JsonSafety.Plain);
      }),
      { numRuns: 5000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClfTimeReader, IsoTimeReader, isIsoTimestamp, isoFromClf } from './time.js';

describe('IsoTimeReader', () => {
  it('accepts what isIsoTimestamp accepts, with the partition of each accepted time', () => {
    const times = fc.oneof(
      fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('2024-02-29T10:00:00Z', '2023-02-29T10:00:00Z', '2024-01-01T00:00:00.Z', '2024-01-01T00:00:00.1Z', '2024-01-01T00:00:00.123456Z'),
      fc.constantFrom('2024-01-01T00:00:00.12a4Z', '2024-01-01T00:00:00.123', '2024-01-01T00:00:00Zx', '2024-01-01T00:00:00', ''),
      fc.string({ maxLength: 30 }),
    );
    // Sequences that share seconds, as consecutive log lines do.
    const sequence = fc.array(
      fc.tuple(times, fc.constantFrom('', 'Z', '.5Z', '.123456Z', '.x', 'ZZ', '.Z')).map(([t, tail]) => (tail === '' ? t : t.slice(0, 19) + tail)),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(sequence, (texts) => {
        const reader = new IsoTimeReader();
        for (const text of texts) {
          const ok = reader.read(text);
          expect(ok, text).toBe(isIsoTimestamp(text));
          if (ok) {
            expect(reader.dt).toBe(text.slice(0, 10));
            expect(reader.hour).toBe(text.slice(11, 13));
          }
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('ClfTimeReader', () => {
  it('converts what isoFromClf converts, line after line', () => {
    const clf = fc
      .tuple(
        fc.date({ min: new Date('2019-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom('+0000', '-0000', '+0130', '-0800', '+9999', 'x0000'),
        fc.constantFrom('', '24:00:00', '23:60:00', '23:59:60', '2a:00:00', '12-00-00'),
      )
      .map(([d, offset, badTime]) => {
        const month = d.toUTCString().slice(8, 11);
        const time = badTime === '' ? d.toISOString().slice(11, 19) : badTime;
        return `${String(d.getUTCDate()).padStart(2, '0')}/${month}/${d.getUTCFullYear()}:${time} ${offset}`;
      });
    const texts = fc.array(fc.oneof(clf, clf, fc.constantFrom('', '06/Feb/2019:00:00:38 +0000', '31/Feb/2019:00:00:38 +0000'), fc.string({ maxLength: 26 })), { maxLength: 12 });
    fc.assert(
      fc.property(texts, (sequence) => {
        const reader = new ClfTimeReader();
        for (const text of sequence) expect(reader.read(text), text).toBe(text === '' ? undefined : isoFromClf(text));
      }),
      { numRuns: 5000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { queryOfUrl, queryParamsJson } from './query-params.js';

/** The URLSearchParams-based version the hand-written parser replaced: the definition of its output. */
function reference(query: string | undefined): string | undefined {
  if (query === undefined || query === '' || query === '-') return undefined;
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  for (const [name, value] of new URLSearchParams(query)) {
    if (name === '' || name in params) continue;
    params[name] = value;
    count++;
  }
  return count === 0 ? undefined : JSON.stringify(params);
}

describe('queryParamsJson', () => {
  it('decodes once, reads + as a space, keeps the first value and malformed escapes', () => {
    expect(queryParamsJson('q=caf%C3%A9+au+lait&page=2&q=other')).toBe('{"q":"café au lait","page":"2"}');
    expect(queryParamsJson('a=%2541&b=100%&c=%zz&d=%E2%82')).toBe(reference('a=%2541&b=100%&c=%zz&d=%E2%82'));
    expect(JSON.parse(queryParamsJson('a=%2541&b=100%&c=%zz')!)).toEqual({ a: '%41', b: '100%', c: '%zz' });
    expect(queryParamsJson('?x=1&&y&=z&')).toBe('{"x":"1","y":""}');
    expect(queryParamsJson('a+b=c%2Bd')).toBe('{"a b":"c+d"}');
  });

  it('is undefined for no query, or one without a named parameter', () => {
    for (const query of [undefined, '', '-', '&', '=x', '?', '&&=1']) expect(queryParamsJson(query)).toBeUndefined();
  });

  it('gives exactly what URLSearchParams gives', () => {
    const unit = fc.constantFrom(
      ...'ab=&%+?#2F4fzé€ -1'.split(''),
      '\ud800',
      '\udc00',
      '😀',
      '%41',
      '%C3%A9',
      '%E2%82',
      '%ZZ',
      '%%',
      '+%',
      '%4+1',
      '__proto__',
      'constructor',
      '0',
      '10',
    );
    for (const arb of [fc.string({ unit, maxLength: 30 }), fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 })]) {
      fc.assert(
        fc.property(arb, (query) => {
          expect(queryParamsJson(query)).toBe(reference(query));
        }),
        { numRuns: 20000 },
      );
    }
  });
});

describe('queryOfUrl', () => {
  it('takes what follows the first ? up to a #', () => {
    expect(queryOfUrl('/a?b=1#f')).toBe('b=1');
    expect(queryOfUrl('http://h:80/p?x=1?y=2')).toBe('x=1?y=2');
    expect(queryOfUrl('/a')).toBeUndefined();
    expect(queryOfUrl(undefined)).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostOf, portOf, splitHostPort, splitRequest, splitRequestInto, type RequestLine } from './http-fields.js';

describe('http fields', () => {
  it('hostOf/portOf split like splitHostPort', () => {
    const unit = fc.constantFrom('1', 'a', ':', '[', ']', '-', '.', ' ');
    fc.assert(
      fc.property(fc.option(fc.string({ unit, maxLength: 16 }), { nil: undefined }), (value) => {
        const [host, port] = splitHostPort(value);
        expect(hostOf(value)).toBe(host);
        expect(portOf(value)).toBe(port);
      }),
      { numRuns: 10000 },
    );
    expect([hostOf('[2001:db8::1]:443'), portOf('[2001:db8::1]:443')]).toEqual(['2001:db8::1', '443']);
    expect([hostOf('2001:db8::1:443'), portOf('2001:db8::1:443')]).toEqual(['2001:db8::1', '443']);
  });

  it('splitRequestInto fills a reused object exactly as splitRequest returns', () => {
    const out: RequestLine = { verb: 'stale', url: 'stale', protocol: 'stale' };
    const unit = fc.constantFrom('G', 'E', 'T', ' ', '-', '/', 'H');
    fc.assert(
      fc.property(fc.option(fc.string({ unit, maxLength: 16 }), { nil: undefined }), (request) => {
        expect({ ...splitRequestInto(request, out) }).toEqual(splitRequest(request));
      }),
      { numRuns: 10000 },
    );
    expect(splitRequest('- - - ')).toEqual({ verb: undefined, url: undefined, protocol: undefined });
    expect(splitRequest('GET http://h/a b HTTP/1.1')).toEqual({ verb: 'GET', url: 'http://h/a b', protocol: 'HTTP/1.1' });
  });
});

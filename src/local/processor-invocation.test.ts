import { describe, expect, it } from 'vitest';
import { countDocuments } from './processor-invocation.js';

describe('countDocuments', () => {
  it('counts non-blank lines and the error rows among them, in one scan', () => {
    const good = JSON.stringify({ url: 'x"_error":y', n: 1 });
    const bad = JSON.stringify({ _raw: 'garbage', _error: 'why' });
    expect(countDocuments(Buffer.from(`${good}\n${bad}\n\n${good}\n${bad}`))).toEqual({ documents: 4, errorDocuments: 2 });
    expect(countDocuments(Buffer.alloc(0))).toEqual({ documents: 0, errorDocuments: 0 });
  });
});

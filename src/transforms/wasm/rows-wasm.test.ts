import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROWS_MODULE, compileRowsWasm, renderRowsModule } from '../../../scripts/wasm.js';
import { ROWS_WASM_BASE64 } from './rows-wasm.js';

describe('the embedded row kernel', () => {
  it('is what its AssemblyScript source compiles to (run `npm run build:wasm` after editing it)', async () => {
    const binary = await compileRowsWasm();
    expect(Buffer.from(binary).toString('base64')).toBe(ROWS_WASM_BASE64);
    expect(readFileSync(ROWS_MODULE, 'utf8')).toBe(renderRowsModule(binary));
  }, 60_000);
});

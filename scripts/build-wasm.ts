import { writeFileSync } from 'node:fs';
import { ROWS_MODULE, compileRowsWasm, renderRowsModule } from './wasm.js';

const binary = await compileRowsWasm();
writeFileSync(ROWS_MODULE, renderRowsModule(binary));
console.log(`${ROWS_MODULE}: ${binary.length} bytes of WebAssembly`);

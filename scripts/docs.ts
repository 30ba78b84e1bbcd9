import { writeFileSync } from 'node:fs';
import { ALL_FORMATS } from '../src/transforms/registry.js';
import { tablesMarkdown } from '../src/transforms/schema-docs.js';

writeFileSync(new URL('../docs/TABLES.md', import.meta.url), tablesMarkdown(ALL_FORMATS.map((f) => f.schema)));
process.stdout.write('wrote docs/TABLES.md\n');

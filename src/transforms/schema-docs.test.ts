import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_FORMATS } from './registry.js';
import { tablesMarkdown } from './schema-docs.js';

describe('docs/TABLES.md', () => {
  it('matches the schemas (run `npm run docs` after changing a format)', () => {
    const onDisk = readFileSync(new URL('../../docs/TABLES.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(tablesMarkdown(ALL_FORMATS.map((f) => f.schema)));
  });

  it('lists every column of every table', () => {
    const markdown = tablesMarkdown(ALL_FORMATS.map((f) => f.schema));
    for (const format of ALL_FORMATS) for (const column of format.schema.columns) expect(markdown).toContain(`| \`${column.name}\` |`);
  });
});

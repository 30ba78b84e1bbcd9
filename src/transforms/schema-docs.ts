import { hiveType, type TableSchema } from './schema.js';

/** docs/TABLES.md, generated from the schemas (the one source of truth); a test keeps the file in sync. */
export function tablesMarkdown(schemas: readonly TableSchema[]): string {
  const parts = [
    '# Tables',
    '',
    'Generated from the format definitions in `src/transforms/formats/` by `npm run docs`; do not edit by hand.',
    'Every table is partitioned by `dt` (`YYYY-MM-DD`) and `hour` (`HH`) of the event time (UTC). `_raw` and',
    '`_error` are set only on rows whose line could not be parsed.',
    '',
  ];
  for (const schema of schemas) {
    parts.push(`## \`${schema.table}\` — ${schema.description}`, '');
    parts.push(`De-duplicate on: ${schema.dedupKey.map((k) => `\`${k}\``).join(', ')}`, '');
    parts.push('| column | type | notes |', '| --- | --- | --- |');
    for (const column of [...schema.columns, ...schema.partitionKeys]) {
      const type = hiveType(column.type).replace(/\|/g, '\\|');
      const note = (column.comment ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
      parts.push(`| \`${column.name}\` | \`${type.length > 80 ? `${type.slice(0, 77)}…` : type}\` | ${note} |`);
    }
    parts.push('');
  }
  return parts.join('\n');
}

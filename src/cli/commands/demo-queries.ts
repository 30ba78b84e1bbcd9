import { namedQuery, namedQuerySql } from '../../query/named-queries.js';
import { DuckDbEngine } from '../../query/duckdb-engine.js';
import { formatBytes, textTable } from '../output.js';

/** The named queries the demo shows, with how many rows of each. */
const DEMO_QUERIES: readonly [name: string, rows: number][] = [
  ['cloudfront-top-uris', 5],
  ['alb-latency-by-target', 5],
  ['s3-access-requests-by-operation', 6],
  ['cloudtrail-errors-by-principal', 5],
  ['vpc-flow-rejected', 5],
];

export async function printDemoQueries(lakeDir: string, start: Date, hours: number): Promise<void> {
  const from = start.toISOString().slice(0, 10);
  const to = new Date(start.getTime() + hours * 3_600_000).toISOString().slice(0, 10);
  const engine = new DuckDbEngine({ lakeDir });
  try {
    for (const [name, limit] of DEMO_QUERIES) {
      const query = namedQuery(name);
      if (query === undefined) throw new Error(`demo: no named query ${name}`);
      const result = await engine.run(namedQuerySql(query, 'duckdb'), [from, to], { scope: { table: query.table, fromDt: from, toDt: to } });
      const scanned = result.stats.bytesScanned === undefined ? '' : `, ${formatBytes(result.stats.bytesScanned)} read`;
      process.stdout.write(
        `\n$ loghose query --lake ${lakeDir} --named ${name} --from ${from} --to ${to}\n${query.description}\n` +
          `${textTable(result.rows.slice(0, limit), result.columns.map((c) => c.name))}\n` +
          `(${result.rows.length} rows${result.rows.length > limit ? `, first ${limit} shown` : ''}, ${result.stats.elapsedMs} ms${scanned})\n`,
      );
    }
  } finally {
    await engine.close();
  }
}

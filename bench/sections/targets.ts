import { compact, fixed } from '../lib/report.js';
import type { Section } from './section.js';

/** The Fast quality bar's targets (issue 2), judged on the figures the other sections measured. */
export const targetsSection: Section = {
  id: 'targets',
  title: 'Targets',
  async run(context) {
    const m = context.metrics;
    const rows: string[][] = [];
    const ratio = (name: string, ours: string, peer: string, target: number): void => {
      const a = m.get(ours);
      const b = m.get(peer);
      if (a === undefined || b === undefined) {
        rows.push([name, 'not measured', `≥ ${target}×`, '–']);
        return;
      }
      const value = a / b;
      rows.push([name, `${fixed(value, 2)}× (${compact(a)} / ${compact(b)})`, `≥ ${target}×`, value >= target ? 'PASS' : 'FAIL']);
    };
    const floor = (name: string, key: string, target: number): void => {
      const value = m.get(key);
      if (value === undefined) {
        rows.push([name, 'not measured', `≥ ${compact(target)} lines/s`, '–']);
        return;
      }
      rows.push([name, `${compact(value)} lines/s`, `≥ ${compact(target)} lines/s`, value >= target ? 'PASS' : 'FAIL']);
    };
    ratio('CloudFront parse ÷ DuckDB read_csv → Parquet', 'parse.cloudfront.linesPerSecond', 'duckdb.cloudfront.linesPerSecond', 1.5);
    ratio('CloudFront parse ÷ naive baseline', 'parse.cloudfront.linesPerSecond', 'naive.cloudfront.linesPerSecond', 4);
    floor('ALB parse', 'parse.alb.linesPerSecond', 250_000);
    floor('S3 access parse', 'parse.s3_access.linesPerSecond', 250_000);
    return {
      id: this.id,
      title: this.title,
      method: ['Lines/s by CPU time on one core, from the sections above.'],
      columns: ['Target', 'Measured', 'Target', 'Result'],
      rows,
      notes: context.quick ? ['--quick run: small data, not figures to quote.'] : [],
    };
  },
};

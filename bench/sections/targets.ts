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
    const bound = (name: string, key: string, target: number, unit: string, atMost: boolean): void => {
      const value = m.get(key);
      const label = `${atMost ? '≤' : '≥'} ${target}${unit}`;
      if (value === undefined) {
        rows.push([name, 'not measured', label, '–']);
        return;
      }
      rows.push([name, `${fixed(value, 2)}${unit}`, label, (atMost ? value <= target : value >= target) ? 'PASS' : 'FAIL']);
    };
    bound('End-to-end local pipeline ÷ DuckDB read_csv → Parquet', 'pipeline.overDuckdb', 0.5, '×', false);
    bound('Local pipeline peak RSS', 'pipeline.maxRssMiB', 512, ' MiB', true);
    bound('Packing, CloudFront: billed ÷ raw bytes', 'packing.cloudfront.billedOverRaw', 1.05, '×', true);
    bound('Packing, S3 access: billed ÷ raw bytes', 'packing.s3_access.billedOverRaw', 1.05, '×', true);
    bound('Transform Lambda bundle', 'bundle.transformKB', 150, ' KB', true);
    return {
      id: this.id,
      title: this.title,
      method: ['Figures from the sections above (parse rates: lines/s by CPU time on one core).'],
      columns: ['Target', 'Measured', 'Target', 'Result'],
      rows,
      notes: context.quick ? ['--quick run: small data, not figures to quote.'] : [],
    };
  },
};

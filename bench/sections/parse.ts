import { BENCH_FORMATS } from '../lib/data.js';
import { measure } from '../lib/measure.js';
import { compact, fixed, mb } from '../lib/report.js';
import type { ParseArgs, ParseResult } from '../tasks/parse.js';
import { rates, type Section } from './section.js';

const NAMES: Record<string, string> = { cloudfront: 'CloudFront', alb: 'ALB', s3_access: 'S3 access', elb: 'Classic ELB' };

export const parseSection: Section = {
  id: 'parse',
  title: '(a) Our parse → JSON, one core',
  async run(context) {
    const rows: string[][] = [];
    const notes: string[] = [];
    for (const format of BENCH_FORMATS) {
      const file = context.data[format];
      context.log(`parse ${format} …`);
      try {
        const args: ParseArgs = { format, path: file.path, reps: context.quick ? 2 : 3 };
        const result = await measure<ParseResult>('parse', args);
        const data = result.lines - result.skipped;
        const r = rates(data, result.best);
        context.metrics.set(`parse.${format}.linesPerSecond`, r.cpu);
        rows.push([
          NAMES[format],
          data.toLocaleString('en-US'),
          compact(r.cpu),
          compact(r.wall),
          fixed(mb(result.inputBytes) / (result.best.cpuMs / 1000)),
          fixed(mb(result.outputBytes) / (result.best.cpuMs / 1000)),
          `${result.rows.toLocaleString('en-US')} / ${result.errorRows.toLocaleString('en-US')} / ${result.skipped}`,
        ]);
      } catch (error) {
        rows.push([NAMES[format], 'error', '', '', '', '', '']);
        notes.push(`${format}: ${(error as Error).message}`);
      }
    }
    return {
      id: this.id,
      title: this.title,
      method: [
        'Untimed: the decompressed file read into one Buffer. Timed: UTF-8 decoding in ~1 MiB pieces cut at line ends, line splitting, ' +
          '`LineParser.parse` per line, and every row and error row written as NDJSON into an in-memory UTF-8 buffer.',
        'Best of the repetitions by CPU time; lines/s counts data lines (header lines excluded). MB/s are per CPU-second.',
      ],
      columns: ['Format', 'Data lines', 'Lines/s (CPU)', 'Lines/s (wall)', 'MB/s in', 'MB/s JSON out', 'Rows / error rows / skipped'],
      rows,
      notes,
    };
  },
};

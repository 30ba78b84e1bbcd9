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
    const variants: { label: string; transformsDir?: string }[] = [{ label: '' }];
    if (context.compareDir) variants.push({ label: ` (${context.compareDir})`, transformsDir: context.compareDir });
    for (const format of BENCH_FORMATS) {
      const file = context.data[format];
      for (const variant of variants) {
        const name = NAMES[format] + variant.label;
        context.log(`parse ${name} …`);
        try {
          const args: ParseArgs = { format, path: file.path, reps: context.quick ? 2 : 3, transformsDir: variant.transformsDir };
          const result = await measure<ParseResult>('parse', args);
          const data = result.lines - result.skipped;
          const r = rates(data, result.best);
          if (variant.transformsDir === undefined) context.metrics.set(`parse.${format}.linesPerSecond`, r.cpu);
          rows.push([
            name,
            data.toLocaleString('en-US'),
            compact(r.cpu),
            compact(r.wall),
            fixed(mb(result.inputBytes) / (result.best.cpuMs / 1000)),
            fixed(mb(result.outputBytes) / (result.best.cpuMs / 1000)),
            `${result.rows.toLocaleString('en-US')} / ${result.errorRows.toLocaleString('en-US')} / ${result.skipped}`,
          ]);
        } catch (error) {
          rows.push([name, 'error', '', '', '', '', '']);
          notes.push(`${name}: ${(error as Error).message}`);
        }
      }
    }
    return {
      id: this.id,
      title: this.title,
      method: [
        'Untimed: the decompressed file read into memory in ~1 MiB pieces cut at line ends (like the records the shipper packs). ' +
          'Timed, per piece, what the transform handler does per record: the ASCII check, loading the bytes into the row kernel, and `transformLineBytes` — line splitting, ' +
          "the parser's byte-level fast path (CloudFront, ALB: the WebAssembly row kernel) or `LineParser.parse`, every row and error row written as NDJSON (UTF-8) into the kernel's output. One parser for the file.",
        'Best of the repetitions by CPU time; lines/s counts data lines (header lines excluded); MB/s are per CPU-second.',
      ],
      columns: ['Format', 'Data lines', 'Lines/s (CPU)', 'Lines/s (wall)', 'MB/s in', 'MB/s JSON out', 'Rows / error rows / skipped'],
      rows,
      notes,
    };
  },
};

import type { BenchFormat } from '../lib/data.js';
import { measure } from '../lib/measure.js';
import { compact, fixed, mb } from '../lib/report.js';
import type { HandlerArgs, HandlerResult } from '../tasks/handler.js';
import { rates, type Section } from './section.js';

const KIB = 1024;
const MIB = 1024 * KIB;

/** (format, record size) cases: the shipper's default 256 KiB records and Firehose's largest (1,000 KiB). */
const CASES: { format: BenchFormat; name: string; recordBytes: number }[] = [
  { format: 'cloudfront', name: 'CloudFront', recordBytes: 256 * KIB },
  { format: 'cloudfront', name: 'CloudFront', recordBytes: 1000 * KIB },
  { format: 'alb', name: 'ALB', recordBytes: 1000 * KIB },
  { format: 's3_access', name: 'S3 access', recordBytes: 1000 * KIB },
];

export const handlerSection: Section = {
  id: 'handler',
  title: '(b) Firehose transform handler on packed records, one core',
  async run(context) {
    const rows: string[][] = [];
    const notes: string[] = [];
    for (const c of CASES) {
      context.log(`handler ${c.format} ${c.recordBytes / KIB} KiB records …`);
      try {
        const args: HandlerArgs = {
          format: c.format,
          path: context.data[c.format].path,
          recordBytes: c.recordBytes,
          eventBytes: MIB,
          reps: 2,
          maxInputBytes: context.quick ? 0 : 256 * MIB,
        };
        const result = await measure<HandlerResult>('handler', args);
        const cpuSeconds = result.best.cpuMs / 1000;
        const withResponse = cpuSeconds + result.serializeCpuMs / 1000;
        const r = rates(result.lines, result.best);
        context.metrics.set(`handler.${c.format}.${c.recordBytes}.mbPerSecond`, mb(result.inputBytes) / cpuSeconds);
        rows.push([
          c.name,
          `${c.recordBytes / KIB} KiB`,
          `${result.events} × ≤1 MiB`,
          result.records.toLocaleString('en-US'),
          fixed(result.records / cpuSeconds, 0),
          fixed(mb(result.inputBytes) / cpuSeconds),
          fixed(mb(result.inputBytes) / withResponse),
          compact(r.cpu),
          compact(r.wall),
          String(result.failedRecords),
        ]);
      } catch (error) {
        rows.push([c.name, `${c.recordBytes / KIB} KiB`, 'error', '', '', '', '', '', '', '']);
        notes.push(`${c.format}: ${(error as Error).message}`);
      }
    }
    return {
      id: this.id,
      title: this.title,
      method: [
        'Untimed: the file packed into records by the shipper itself (`shipObject`: lines grouped by event hour, the CloudFront header leading each record), ' +
          'base64-encoded and batched into invocations of ≤ 1 MiB of record data (the processor buffer). ' +
          'Timed: `transformFirehoseEvent` on every invocation; apart, `JSON.stringify` of each response (what the Lambda runtime does with it).',
        `Best of 2 repetitions by CPU time; MB/s counts decoded record bytes (log text)${context.quick ? '' : '; at most the first 256 MiB of each file'}.`,
      ],
      columns: [
        'Format',
        'Record size',
        'Invocations',
        'Records',
        'Records/s',
        'MB/s',
        'MB/s with response JSON',
        'Lines/s (CPU)',
        'Lines/s (wall)',
        'Failed records',
      ],
      rows,
      notes,
    };
  },
};

import { measure } from '../lib/measure.js';
import { compact, fixed, mb } from '../lib/report.js';
import type { NaiveArgs, NaiveResult } from '../tasks/naive.js';
import { rates, type Section } from './section.js';

export const naiveSection: Section = {
  id: 'naive',
  title: '(d) Naive readline/split/JSON.stringify baseline, same CloudFront file, one core',
  async run(context) {
    const file = context.data.cloudfront;
    context.log('naive …');
    try {
      const args: NaiveArgs = { path: file.path, reps: 2 };
      const result = await measure<NaiveResult>('naive', args);
      const r = rates(result.lines, result.best);
      context.metrics.set('naive.cloudfront.linesPerSecond', r.cpu);
      return {
        id: this.id,
        title: this.title,
        method: [
          'readline over a file stream (page cache), `split(\'\\t\')`, an object keyed by the `#Fields:` names (as schema column names), `-` → null, ' +
            '`JSON.stringify`, into the same NDJSON sink as ours. Timed: all of it. No type checks, event time, query_params or error rows.',
          'Best of 2 repetitions by CPU time.',
        ],
        columns: ['Baseline', 'Lines', 'Lines/s (CPU)', 'Lines/s (wall)', 'MB/s in'],
        rows: [['naive', result.lines.toLocaleString('en-US'), compact(r.cpu), compact(r.wall), fixed(mb(file.bytes) / (result.best.cpuMs / 1000))]],
        notes: [],
      };
    } catch (error) {
      return { id: this.id, title: this.title, method: [], columns: ['Baseline', 'Result'], rows: [['naive', 'error']], notes: [(error as Error).message] };
    }
  },
};

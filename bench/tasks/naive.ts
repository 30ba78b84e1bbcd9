import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { formatOf } from '../../src/transforms/registry.js';
import { NdjsonSink } from '../lib/sink.js';
import { best, timed, type Rep } from '../lib/timing.js';

/**
 * The naive baseline for CloudFront, as one would write it in a few minutes: readline over a file
 * stream, `split('\t')`, an object keyed by the column names of the `#Fields:` line (mapped to the
 * schema's names), `-` → null, `JSON.stringify`, into the same NDJSON sink as ours. Timed: all of
 * it, file reading included (the file is in the page cache). It does less than ours: no type checks,
 * no event time, no query_params, no error rows.
 */

export interface NaiveArgs {
  readonly path: string;
  readonly reps: number;
}

export interface NaiveResult {
  readonly lines: number;
  readonly outputBytes: number;
  readonly reps: Rep[];
  readonly best: Rep;
}

export async function run(args: NaiveArgs): Promise<NaiveResult> {
  const reps: Rep[] = [];
  let result = { lines: 0, outputBytes: 0 };
  for (let r = 0; r < args.reps; r++) {
    const { rep, value } = await timed(() => naive(args.path));
    reps.push(rep);
    result = value;
  }
  return { ...result, reps, best: best(reps) };
}

const columnOfField = new Map(formatOf('cloudfront').schema.columns.map((c) => [(c.comment ?? c.name).toLowerCase(), c.name]));

async function naive(path: string): Promise<{ lines: number; outputBytes: number }> {
  const sink = new NdjsonSink();
  let names: string[] = [];
  let lines = 0;
  const reader = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of reader) {
    if (line.startsWith('#')) {
      if (line.startsWith('#Fields:')) names = line.slice(8).trim().split(' ').map((f) => columnOfField.get(f.toLowerCase()) ?? f);
      continue;
    }
    lines++;
    const values = line.split('\t');
    const row: Record<string, string | null> = {};
    for (let i = 0; i < names.length; i++) row[names[i]] = values[i] === '-' ? null : values[i];
    sink.add(JSON.stringify(row));
  }
  sink.flush();
  return { lines, outputBytes: sink.bytes };
}

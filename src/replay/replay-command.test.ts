import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayCommand, type ReplayCommandOptions } from '../cli/commands/replay.js';
import { UserError } from '../cli/errors.js';
import { buildProgram } from '../cli/main.js';
import { parseConfig } from '../config/config.js';
import { generateSamples } from '../local/sample-logs.js';
import type { ReplayPlan } from './plan.js';
import type { ReplaySummary } from './replay.js';

/** `loghose replay` as the CLI runs it (in-process): the dry run as text and JSON, indexing, bad input. */

let root: string;
let logs: string;
const config = parseConfig({});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loghose-replay-cli-'));
  logs = join(root, 'logs');
  await generateSamples({ dir: logs, formats: ['alb', 'cloudfront'], start: new Date(Date.UTC(2025, 0, 31, 18)), hours: 30, linesPerFormat: 200, badLineRate: 0, seed: 4 });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function run(options: ReplayCommandOptions): Promise<string> {
  let out = '';
  await replayCommand(logs, options, { config, write: (text) => (out += text) });
  return out;
}

describe('loghose replay', () => {
  it('is registered', () => {
    expect(buildProgram().commands.map((c) => c.name())).toContain('replay');
  });

  it('prints the plan: keys, totals per day, estimates, partitions and the Firehose cost', async () => {
    const text = await run({ action: 'print', from: '2025-02-01', to: '2025-02-01' });
    expect(text).toContain('dry run, nothing sent');
    expect(text).toMatch(/2025-02-01\s+\d+/);
    expect(text).toContain('Firehose cost of indexing: ingestion $');
    expect(text).toMatch(/partitions: ~\d+ event-hour partitions/);
    expect(text).toContain('alb: 3 sampled object(s)');
    const plan = JSON.parse(await run({ action: 'print', from: '2025-02-01', to: '2025-02-01', json: true, sample: 1 })) as ReplayPlan;
    expect(plan.totals.objects).toBe(plan.objects.length);
    expect(plan.tables).toEqual(['alb', 'cloudfront']);
    expect(plan.days.find((d) => d.day === '2025-02-01')?.partitions).toBe(2 * 24);
    expect(plan.cost.total).toBeGreaterThan(0);
    expect(plan.estimates.alb.method).toBe('sampled');
    expect(plan.listing?.strategies).toEqual(['local directory walk']);
  });

  it('indexes into the local lake, then skips everything on a re-run', async () => {
    const options: ReplayCommandOptions = {
      action: 'index',
      via: 'local',
      from: '2025-02-01',
      to: '2025-02-01',
      lake: join(root, 'lake'),
      checkpoint: join(root, 'cli-checkpoint.json'),
      json: true,
    };
    const first = JSON.parse(await run(options)) as ReplaySummary;
    expect(first.objects.delivered).toBeGreaterThan(0);
    expect(first.lake?.accounted).toBe(true);
    const again = JSON.parse(await run(options)) as ReplaySummary;
    expect(again.objects.delivered).toBe(0);
    expect(again.objects.alreadyDone).toBe(first.objects.listed);
    const text = await run({ ...options, json: false });
    expect(text).toContain('replay via local');
    expect(text).toContain(`checkpoint: ${options.checkpoint}`);
  });

  it('fails with one clear line on bad input', async () => {
    const cases: [ReplayCommandOptions, RegExp][] = [
      [{ action: 'delete' }, /--action must be print or index/],
      [{ via: 'carrier-pigeon' }, /--via must be one of/],
      [{ format: 'waf' }, /unknown format/],
      [{ from: '2025-02-30' }, /--from must be a date/],
      [{ from: '2025-02-02', to: '2025-02-01' }, /after/],
      [{ action: 'index', overwrite: true, checkpoint: join(root, 'x.json') }, /--overwrite needs --from and --to/],
      [{ action: 'index', via: 'queue', checkpoint: join(root, 'y.json') }, /SOURCE must be s3:/],
    ];
    for (const [options, message] of cases) {
      const error = await run(options).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(message);
    }
    const missing = await replayCommand(join(root, 'nope'), {}, { config }).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/does not exist/);
  });
});

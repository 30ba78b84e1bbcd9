import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseConfig } from '../../config/config.js';
import { SAMPLE_FORMATS, generateSamples } from '../../local/sample-logs.js';
import { UserError } from '../errors.js';
import { runPipelineCommand, printSummary } from './run.js';
import { printDemoQueries } from './demo-queries.js';

interface DemoOptions {
  readonly dir: string;
  readonly lines: string;
  readonly hours: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('generate sample logs of every format, run the local pipeline on them, and query the lake (what `npm start` runs)')
    .option('-d, --dir <dir>', 'where the sample logs and the lake go', './demo')
    .option('-n, --lines <n>', 'log lines per format', '20000')
    .option('--hours <n>', 'hours of traffic', '3')
    .action(async (options: DemoOptions) => {
      const lines = Number(options.lines);
      const hours = Number(options.hours);
      if (!Number.isInteger(lines) || lines < 1) throw new UserError('--lines must be a positive whole number', 2);
      if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 31) throw new UserError('--hours must be a whole number from 1 to 744', 2);
      const logs = join(options.dir, 'logs');
      const lake = join(options.dir, 'lake');
      // Safe to run twice: start from scratch, with the same seed.
      await rm(logs, { recursive: true, force: true });
      await rm(lake, { recursive: true, force: true });
      const started = performance.now();
      const now = new Date();
      const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1, 9));
      const manifest = await generateSamples({ dir: logs, formats: SAMPLE_FORMATS, start, hours, linesPerFormat: lines, seed: 2026 });
      const generated = manifest.files.reduce((n, f) => n + f.dataLines, 0);
      const bad = manifest.files.reduce((n, f) => n + f.badLines, 0);
      process.stdout.write(
        `generated ${generated} log lines (${bad} deliberately broken) in ${manifest.files.length} objects + ${manifest.nonLogFiles.length} non-log objects under ${logs} (${((performance.now() - started) / 1000).toFixed(1)}s)\n\n`,
      );
      const config = parseConfig({ lakeDir: lake });
      const summary = await runPipelineCommand({ source: logs, lake }, config);
      printSummary(summary, lake);
      if (!summary.accounted) throw new UserError('some lines are not accounted for');
      await printDemoQueries(lake, start, hours);
    });
}

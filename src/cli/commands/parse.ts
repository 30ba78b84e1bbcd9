import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { openLogObject } from '../../ingest/log-object.js';
import { LineKind, type LogFormat } from '../../transforms/format.js';
import { formatOf } from '../../transforms/registry.js';
import { TABLE_NAMES, isTableName } from '../../transforms/schema.js';
import { UserError } from '../errors.js';
import { LineWriter } from '../output.js';

export function formatOption(value: string | undefined): LogFormat | undefined {
  if (value === undefined || value === 'auto') return undefined;
  if (!isTableName(value)) throw new UserError(`unknown format ${JSON.stringify(value)} (expected auto or one of ${TABLE_NAMES.join(', ')})`, 2);
  return formatOf(value);
}

export function registerParse(program: Command): void {
  program
    .command('parse')
    .description('parse log files (gzip or plain) into NDJSON records on stdout, in input order')
    .argument('<files...>', 'log files')
    .option('-f, --format <format>', `auto or one of: ${TABLE_NAMES.join(', ')}`, 'auto')
    .option('--include-errors', 'also print the error rows (_raw, _error) of unparseable lines')
    .action(async (files: string[], options: { format: string; includeErrors?: boolean }) => {
      const format = formatOption(options.format);
      const out = new LineWriter();
      let failedFiles = 0;
      for (const file of files) {
        const info = await stat(file).catch(() => undefined);
        if (info === undefined || !info.isFile()) throw new UserError(`${file}: no such file`);
        const opened = await openLogObject({ key: file, body: createReadStream(file), format });
        if (opened.kind !== 'lines') {
          process.stderr.write(`${file}: ${opened.kind} (${opened.reason})\n`);
          if (opened.kind === 'unknown') failedFiles++;
          continue;
        }
        const parser = opened.format.createParser();
        let rows = 0;
        let errors = 0;
        let skipped = 0;
        for await (const batch of opened.batches) {
          for (const line of batch) {
            const kind = parser.parse(line);
            if (kind === LineKind.Row) {
              rows++;
              await out.line(parser.json);
            } else if (kind === LineKind.Error) {
              errors++;
              if (options.includeErrors) await out.line(parser.json);
            } else {
              skipped++;
            }
          }
          if (out.isClosed) break;
        }
        await out.flush();
        const hint = errors > 0 && !options.includeErrors ? ' (--include-errors prints them)' : '';
        process.stderr.write(`${file}: ${opened.format.table}: ${rows} rows, ${errors} unparseable lines${hint}, ${skipped} skipped\n`);
      }
      await out.flush();
      if (failedFiles > 0) throw new UserError(`${failedFiles} file(s) not recognised as a log format; pass --format`);
    });
}

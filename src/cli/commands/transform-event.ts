import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { transformFirehoseEvent, type FirehoseTransformEvent } from '../../transforms/firehose-transform.js';
import { TABLE_NAMES } from '../../transforms/schema.js';
import { UserError } from '../errors.js';
import { formatOption } from './parse.js';

export function registerTransformEvent(program: Command): void {
  program
    .command('transform-event')
    .description('run the Firehose transform handler for a table on a Firehose event file and print the response')
    .argument('<event>', 'Firehose data-transformation event JSON file')
    .requiredOption('-f, --format <format>', `the stream's table: ${TABLE_NAMES.join(', ')}`)
    .action(async (file: string, options: { format: string }) => {
      const format = formatOption(options.format);
      if (format === undefined) throw new UserError('--format must name a table (the transform serves one table)', 2);
      let event: FirehoseTransformEvent;
      try {
        event = JSON.parse(await readFile(file, 'utf8')) as FirehoseTransformEvent;
      } catch (error) {
        throw new UserError(`${file}: cannot read event JSON (${(error as Error).message})`);
      }
      if (!Array.isArray(event?.records)) throw new UserError(`${file}: not a Firehose transformation event (no records array)`);
      const { response, stats } = transformFirehoseEvent(event, { format });
      process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
      process.stderr.write(
        `${stats.records} records: ${stats.okRecords} Ok, ${stats.droppedRecords} Dropped, ${stats.failedRecords} ProcessingFailed; ` +
          `${stats.rows} rows, ${stats.errorRows} error rows, ${stats.skippedLines} skipped lines\n`,
      );
    });
}

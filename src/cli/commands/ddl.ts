import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { createTableDdl } from '../../query/ddl.js';
import { closeNames } from '../../query/named-queries.js';
import { DEFAULT_PROJECTION_START_DATE } from '../../transforms/partition-projection.js';
import { PeriodError, parseDay } from '../../query/periods.js';
import { TABLE_NAMES, isTableName } from '../../transforms/schema.js';
import { UserError } from '../errors.js';

interface DdlCommandOptions {
  readonly location?: string;
  readonly database?: string;
  readonly since: string;
  readonly config?: string;
}

export function registerDdl(program: Command): void {
  program
    .command('ddl')
    .description('print the Athena CREATE EXTERNAL TABLE (Parquet, partition projection) of a table, from its schema')
    .argument('<table>', `one of: ${TABLE_NAMES.join(', ')}`)
    .option('--location <s3://bucket/prefix>', 'the lake root; the table is at <root>/<table>/ (default: s3://<lakeBucket from the config>)')
    .option('--database <name>', 'database (default: athena.database from the config, loghose)')
    .option('--since <YYYY-MM-DD>', 'first day Athena projects partitions for', DEFAULT_PROJECTION_START_DATE)
    .option('-c, --config <file>', 'config file')
    .addHelpText('after', ['', 'Example:', '  loghose ddl cloudfront --location s3://my-lake-bucket --database logs > cloudfront.sql'].join('\n'))
    .action((table: string, options: DdlCommandOptions) => {
      if (!isTableName(table)) {
        const close = closeNames(table, TABLE_NAMES, 2);
        throw new UserError(`unknown table ${JSON.stringify(table)}${close.length > 0 ? `; did you mean ${close.join(', ')}?` : ''} (tables: ${TABLE_NAMES.join(', ')})`, 2);
      }
      const config = loadConfig(options.config);
      const location = options.location ?? (config.lakeBucket ? `s3://${config.lakeBucket}` : undefined);
      if (location === undefined) throw new UserError('give --location s3://bucket/prefix (the lake root), or set lakeBucket in the config', 2);
      if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(location) || /['\\]/.test(location)) {
        throw new UserError(`--location must be s3://bucket[/prefix], got ${JSON.stringify(location)}`, 2);
      }
      const database = options.database ?? config.athena.database;
      if (!/^[A-Za-z0-9_]+$/.test(database)) throw new UserError(`--database must be letters, digits and _, got ${JSON.stringify(database)}`, 2);
      try {
        parseDay(options.since, '--since');
      } catch (error) {
        if (error instanceof PeriodError) throw new UserError(error.message, 2);
        throw error;
      }
      process.stdout.write(`${createTableDdl(table, { location, database, projectionStartDate: options.since })}\n`);
    });
}

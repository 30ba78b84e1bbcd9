import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { EmailSettingsError, emailSettingsFromEnv, type EmailSettings } from '../../query/email.js';
import { QueryError } from '../../query/engine.js';
import { FREQUENCIES, resolvePeriod } from '../../query/periods.js';
import { ReportError, reportTarget, runReport, type ReportSummary } from '../../query/report.js';
import { UserError } from '../errors.js';
import { openEngine, periodOrUsage, statsLine } from './query.js';

interface ReportCommandOptions {
  readonly frequency?: string;
  readonly from?: string;
  readonly to?: string;
  readonly out: string;
  readonly email?: boolean;
  readonly selectAll?: boolean;
  readonly lake?: string;
  readonly athena?: boolean;
  readonly json?: boolean;
  readonly config?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('run a named query for a period and write the result as Parquet and CSV.gz (optionally e-mailed)')
    .argument('<name>', 'named query (`loghose query --list`); with --select-all, a table name works too')
    .option('-f, --frequency <frequency>', `${FREQUENCIES.join('|')}: the last complete Monday–Sunday week, the previous month or quarter (UTC)`)
    .option('--from <YYYY-MM-DD>', 'first day (UTC), with --to')
    .option('--to <YYYY-MM-DD>', 'last day (UTC, inclusive), with --from')
    .option('-o, --out <dir|s3://bucket/prefix>', 'where <name>/<from>_<to>.parquet and .csv.gz go', './reports')
    .option('--email', 'mail an HTML summary with the CSV.gz attached (SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, FROM_EMAIL, REPLY_TO_EMAIL, TARGET_EMAIL_ADDRESS)')
    .option('--select-all', "export every row of the query's table for the period instead of the query's answer")
    .option('-l, --lake <dir>', 'local lake directory (default: lakeDir from the config, ./lake)')
    .option('--athena', 'run on Athena, in the workgroup and database from the config')
    .option('--json', 'print the summary as JSON')
    .option('-c, --config <file>', 'config file')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  loghose report cloudfront-top-uris --frequency weekly',
        '  loghose report alb-5xx-by-target --from 2024-01-01 --to 2024-03-31 --out s3://my-reports/loghose --athena',
        '  loghose report s3_access --select-all --frequency monthly --email',
      ].join('\n'),
    )
    .action(async (name: string, options: ReportCommandOptions) => {
      // Every check that needs no data comes first, so a bad setting fails before any query runs.
      const target = (() => {
        try {
          return reportTarget(name, options.selectAll === true);
        } catch (error) {
          if (error instanceof ReportError) throw new UserError(error.message, 2);
          throw error;
        }
      })();
      const period = periodOrUsage(() => resolvePeriod(options));
      if (options.out.startsWith('s3://') && !/^s3:\/\/[^/]+/.test(options.out)) throw new UserError(`--out ${options.out} is not an s3://bucket/prefix URL`, 2);
      let email: EmailSettings | undefined;
      if (options.email) {
        try {
          email = emailSettingsFromEnv();
        } catch (error) {
          if (error instanceof EmailSettingsError) throw new UserError(error.message, 2);
          throw error;
        }
      }
      const config = loadConfig(options.config);
      const engine = await openEngine(options, config);
      let summary: ReportSummary;
      try {
        summary = await runReport({ engine, target, period, out: options.out, ...(email ? { email } : {}) });
      } catch (error) {
        if (error instanceof QueryError || error instanceof ReportError) throw new UserError(error.message);
        throw error;
      } finally {
        await engine.close();
      }
      if (options.json) {
        const { result, ...rest } = summary;
        process.stdout.write(`${JSON.stringify({ ...rest, columns: result.columns, stats: result.stats }, null, 2)}\n`);
        return;
      }
      const lines = [`${summary.name} ${period.from} to ${period.to}: ${statsLine(summary.result)}`, ...summary.files.map((f) => `  wrote ${f}`)];
      if (summary.email) lines.push(`  mailed to ${summary.email.accepted.join(', ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

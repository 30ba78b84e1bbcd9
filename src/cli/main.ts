import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.js';
import { registerDdl } from './commands/ddl.js';
import { registerDemo } from './commands/demo.js';
import { registerParse } from './commands/parse.js';
import { registerQuery } from './commands/query.js';
import { registerReplay } from './commands/replay.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerTransformEvent } from './commands/transform-event.js';
import { registerTune } from './commands/tune.js';
import { UserError } from './errors.js';

export function buildProgram(): Command {
  const program = new Command('loghose')
    .description('AWS service logs to partitioned Parquet for Athena, via Amazon Data Firehose — or locally with DuckDB')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerParse(program);
  registerTransformEvent(program);
  registerRun(program);
  registerReplay(program);
  registerServe(program);
  registerDemo(program);
  registerTune(program);
  registerQuery(program);
  registerReport(program);
  registerDdl(program);
  return program;
}

/** Runs the CLI; returns the exit code. Errors print one line (`LOGHOSE_DEBUG=1` for the stack). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message (or the help/version text).
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UserError) {
      process.stderr.write(`loghose: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`loghose: ${error.message}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`loghose: ${message.split('\n')[0]}\n`);
    if (process.env.LOGHOSE_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return 1;
  }
}

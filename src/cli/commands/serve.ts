import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { DiskLakeSink } from '../../local/disk-sink.js';
import { startFirehoseEndpoint } from '../../local/firehose-endpoint.js';
import { createLocalStreams } from '../../local/local-streams.js';
import { createProcessorPool } from '../../local/processor-pool.js';
import { UserError } from '../errors.js';
import { workersOption } from './run.js';

interface ServeOptions {
  readonly port: string;
  readonly host: string;
  readonly lake?: string;
  readonly config?: string;
  readonly throttleRate?: string;
  readonly failedEntryRate?: string;
  readonly delayMs?: string;
  readonly workers?: string;
}

function fraction(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UserError(`${name} must be a number from 0 to 1`, 2);
  return n;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the local Firehose endpoint (PutRecord, PutRecordBatch, DescribeDeliveryStream, ListDeliveryStreams) into the lake')
    .option('-p, --port <port>', 'port (0 = any free port)', '4573')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-l, --lake <dir>', 'lake directory (default: lakeDir from the config)')
    .option('-c, --config <file>', 'config file')
    .option('--throttle-rate <fraction>', 'fault injection: fraction of calls answered ServiceUnavailableException')
    .option('--failed-entry-rate <fraction>', 'fault injection: fraction of PutRecordBatch entries failed')
    .option('--delay-ms <ms>', 'fault injection: delay added to every response')
    .option('--workers <n>', 'worker threads running the transform (default: 0 on up to 2 cores, else one per core beyond the first, at most 4)')
    .action(async (options: ServeOptions) => {
      const config = loadConfig(options.config);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError('--port must be a port number', 2);
      const lakeDir = options.lake ?? config.lakeDir;
      const pool = createProcessorPool(workersOption(options.workers));
      const streams = createLocalStreams({ config, sink: new DiskLakeSink(lakeDir), pool });
      const endpoint = await startFirehoseEndpoint({
        streams: [...streams.values()],
        port,
        host: options.host,
        faults: {
          throttleRate: fraction('--throttle-rate', options.throttleRate),
          failedEntryRate: fraction('--failed-entry-rate', options.failedEntryRate),
          delayMs: options.delayMs === undefined ? undefined : Number(options.delayMs),
        },
      });
      const ticker = setInterval(() => {
        for (const stream of streams.values()) void stream.tick();
      }, 1000);
      process.stderr.write(
        `local Firehose endpoint on ${endpoint.url} — streams ${[...streams.values()].map((s) => s.name).join(', ')}; lake ${lakeDir}\n` +
          `use it with: new FirehoseClient({ endpoint: '${endpoint.url}', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } })\n` +
          'Ctrl-C delivers what is buffered and stops.\n',
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      clearInterval(ticker);
      await endpoint.close();
      try {
        for (const stream of streams.values()) await stream.flush();
      } finally {
        await pool?.close();
      }
      const stats = [...streams.values()].map((s) => s.stats);
      process.stderr.write(
        `delivered ${stats.reduce((n, s) => n + s.rows, 0)} rows, ${stats.reduce((n, s) => n + s.errorRows, 0)} error rows, ` +
          `${stats.reduce((n, s) => n + s.errorRecords, 0)} error records\n`,
      );
    });
}

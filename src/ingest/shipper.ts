import type { Readable } from 'node:stream';
import { LineKind, type LogFormat } from '../transforms/format.js';
import type { TableName } from '../transforms/schema.js';
import { openLogObject } from './log-object.js';
import { RecordPacker, type PackedRecord } from './packer.js';

/**
 * Ships one log object: stream → (gunzip) → lines → group by event-time partition → pack → sink.
 * Every line is accounted for: sent as data (it will become a row or an error row), or counted as
 * skipped (header, comment, blank). Non-log objects are reported, not shipped.
 */

export interface ShipObjectOptions {
  /** Object key (or file path), used for detection and reports. */
  readonly key: string;
  readonly body: Readable | AsyncIterable<Uint8Array>;
  /** The format, when the caller knows it; otherwise detected from key and content. */
  readonly format?: LogFormat;
  /** Only ship objects of this table (an object detected as another table is reported `unknown`). */
  readonly table?: string;
  readonly recordBytes: number;
  readonly maxBufferedBytes: number;
  /** Where packed records go (a FirehoseSender, the local stream, a test array), with the object's table. */
  readonly sink: (record: PackedRecord, table: TableName) => void | Promise<void>;
}

export type ShipStatus = 'shipped' | 'skipped' | 'unknown';

export interface ShipResult {
  readonly key: string;
  readonly status: ShipStatus;
  readonly table?: string;
  /** Why the object was skipped or not recognised. */
  readonly reason?: string;
  /** All lines of the object (CloudTrail: events). */
  readonly lines: number;
  /** Lines sent on (each becomes a row or an error row). */
  readonly dataLines: number;
  /** Header, comment and blank lines, counted and not sent. */
  readonly skippedLines: number;
  readonly records: number;
  readonly recordBytes: number;
  readonly partitions: number;
}

export async function shipObject(options: ShipObjectOptions): Promise<ShipResult> {
  // Byte strings: lines go out byte for byte, and a line's length is its size (object-lines.ts).
  const opened = await openLogObject({ key: options.key, body: options.body, format: options.format, encoding: 'latin1' });
  if (opened.kind !== 'lines') {
    return { ...emptyResult(options.key, opened.kind), table: opened.format?.table, reason: opened.reason, lines: opened.lines, skippedLines: opened.lines };
  }
  const format = opened.format;
  if (options.table !== undefined && format.table !== options.table) {
    let lines = 0;
    for await (const batch of opened.batches) lines += batch.length;
    return { ...emptyResult(options.key, 'unknown'), reason: `a ${format.table} object, not ${options.table}`, lines, skippedLines: lines };
  }

  let records = 0;
  let recordBytes = 0;
  const partitions = new Set<string>();
  const packer = new RecordPacker({
    recordBytes: options.recordBytes,
    maxBufferedBytes: options.maxBufferedBytes,
    emit: async (record) => {
      records++;
      recordBytes += record.data.length;
      partitions.add(record.partition);
      await options.sink(record, format.table);
    },
  });

  let lines = 0;
  let dataLines = 0;
  let skippedLines = 0;
  const parser = format.createParser();
  let header = '';
  let lastPartition = '';
  // Lines without a readable time go with their neighbours: after a timed line, with it; before
  // the first one, held (up to a record's worth) and sent with the first timed line that follows.
  const untimed: string[] = [];
  let untimedBytes = 0;
  const releaseUntimed = async (partition: string): Promise<void> => {
    for (const line of untimed) await packer.add(partition, line);
    untimed.length = 0;
    untimedBytes = 0;
  };
  const shipLines = async (batch: readonly string[]): Promise<void> => {
    for (const line of batch) {
      lines++;
      let partition = parser.locate(line);
      if (partition === '') {
        // No cheaply readable time: a header/comment/blank line (skipped) or a bad line (shipped).
        const kind = parser.parse(line);
        if (kind === LineKind.Skip) {
          skippedLines++;
          if (parser.header !== header) {
            // Held lines were read under the old header: they go out with it.
            await releaseUntimed(lastPartition);
            header = parser.header;
            await packer.setHeader(header);
          }
          continue;
        }
        if (parser.dt !== '') partition = `${parser.dt}/${parser.hour}`;
      }
      dataLines++;
      if (partition === '') {
        if (lastPartition !== '') {
          await packer.add(lastPartition, line);
        } else {
          untimed.push(line);
          untimedBytes += line.length + 1;
          if (untimedBytes >= options.recordBytes) await releaseUntimed('');
        }
        continue;
      }
      if (untimed.length > 0) await releaseUntimed(partition);
      lastPartition = partition;
      await packer.add(partition, line);
    }
  };

  for await (const batch of opened.batches) await shipLines(batch);
  await releaseUntimed(lastPartition);
  await packer.flush();
  return {
    key: options.key,
    status: 'shipped',
    table: format.table,
    lines,
    dataLines,
    skippedLines,
    records,
    recordBytes,
    partitions: partitions.size,
  };
}

function emptyResult(key: string, status: ShipStatus): ShipResult {
  return { key, status, lines: 0, dataLines: 0, skippedLines: 0, records: 0, recordBytes: 0, partitions: 0 };
}

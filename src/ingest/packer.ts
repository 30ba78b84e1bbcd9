/**
 * Packs lines into Firehose records, one partition (event hour) per record.
 *
 * Firehose bills ingestion per record rounded up to 5 KB and log lines are 0.2–1 KB, so one line per
 * record costs 5–25× more. Lines are grouped by their event-time partition (the transform emits one
 * partition-key set per record) and each group is cut into records of up to `recordBytes`. A format
 * with a header line starts every record with it, so the transform maps fields as the file
 * declared them. Memory is bounded: when all open groups together exceed `maxBufferedBytes`, the
 * largest group is emitted early.
 *
 * Lines and headers are byte strings (one character per byte, as object-lines.ts reads them for the
 * shipper): they are written back byte for byte, and their length is their size.
 */

export interface PackedRecord {
  /** The partition (`YYYY-MM-DD/HH`, or '' when unknown) of the record's lines. */
  readonly partition: string;
  readonly data: Buffer;
  /** Data lines in the record (not counting the header). */
  readonly lines: number;
}

export interface PackerOptions {
  /** Target record size in bytes (≤ Firehose's 1,000 KiB). */
  readonly recordBytes: number;
  /** Bytes buffered across all partitions before the largest group is emitted. */
  readonly maxBufferedBytes: number;
  /** Receives each record as it is cut. */
  readonly emit: (record: PackedRecord) => void | Promise<void>;
}

interface Group {
  lines: string[];
  bytes: number;
}

export class RecordPacker {
  private readonly groups = new Map<string, Group>();
  private buffered = 0;
  private header = '';
  private headerBytes = 0;
  private readonly maxRecordBytes: number;

  constructor(private readonly options: PackerOptions) {
    this.maxRecordBytes = options.recordBytes;
  }

  /**
   * Sets the header that leads every record from now on. Lines already buffered were read under
   * the previous header, so they are emitted first.
   */
  async setHeader(header: string): Promise<void> {
    if (header === this.header) return;
    await this.flush();
    this.header = header;
    this.headerBytes = header.length === 0 ? 0 : header.length + 1;
  }

  /** Adds one data line of the given partition. */
  async add(partition: string, line: string): Promise<void> {
    const lineBytes = line.length + 1;
    let group = this.groups.get(partition);
    if (group === undefined) {
      group = { lines: [], bytes: 0 };
      this.groups.set(partition, group);
    }
    if (group.lines.length > 0 && this.headerBytes + group.bytes + lineBytes > this.maxRecordBytes) {
      await this.emitGroup(partition, group);
    }
    group.lines.push(line);
    group.bytes += lineBytes;
    this.buffered += lineBytes;
    if (this.buffered > this.options.maxBufferedBytes) await this.emitLargest();
  }

  /** Emits every buffered group. */
  async flush(): Promise<void> {
    for (const [partition, group] of this.groups) {
      if (group.lines.length > 0) await this.emitGroup(partition, group);
    }
    this.groups.clear();
  }

  private async emitLargest(): Promise<void> {
    let largestKey = '';
    let largest: Group | undefined;
    for (const [key, group] of this.groups) {
      if (largest === undefined || group.bytes > largest.bytes) {
        largest = group;
        largestKey = key;
      }
    }
    if (largest !== undefined && largest.lines.length > 0) await this.emitGroup(largestKey, largest);
  }

  private async emitGroup(partition: string, group: Group): Promise<void> {
    // Written line by line into the record's buffer: joining them first made a string as large
    // as the record, only to encode it.
    const data = Buffer.allocUnsafe(this.headerBytes + group.bytes - 1);
    let at = this.headerBytes > 0 ? data.write(`${this.header}\n`, 0, 'latin1') : 0;
    const last = group.lines.length - 1;
    for (let i = 0; i < last; i++) {
      at += data.write(group.lines[i], at, 'latin1');
      data[at++] = 10;
    }
    at += data.write(group.lines[last], at, 'latin1');
    const record: PackedRecord = { partition, data, lines: group.lines.length };
    this.buffered -= group.bytes;
    group.lines = [];
    group.bytes = 0;
    await this.options.emit(record);
  }
}

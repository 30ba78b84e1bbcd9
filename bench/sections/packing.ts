import { createReadStream } from 'node:fs';
import { billedBytes } from '../../src/ingest/firehose-sender.js';
import { shipObject } from '../../src/ingest/shipper.js';
import { formatOf } from '../../src/transforms/registry.js';
import { FIREHOSE_LIMITS } from '../../src/config/limits.js';
import { BENCH_FORMATS } from '../lib/data.js';
import { fixed, mb } from '../lib/report.js';
import type { Section } from './section.js';

/**
 * (f) What Firehose bills for ingestion: each record rounded up to 5 KB. The shipper packs lines of
 * one event hour into records of up to 256 KiB; one line per record is what naive shippers do.
 */
export const packingSection: Section = {
  id: 'packing',
  title: '(f) Firehose-billed bytes ÷ raw bytes: packed records vs one line per record',
  async run(context) {
    const rows: string[][] = [];
    for (const format of BENCH_FORMATS) {
      const file = context.data[format];
      let recordBytes = 0;
      let billed = 0;
      let records = 0;
      const result = await shipObject({
        key: file.path,
        body: createReadStream(file.path),
        format: formatOf(format),
        recordBytes: 256 * 1024,
        maxBufferedBytes: 16 * 2 ** 20,
        sink: (record) => {
          records++;
          recordBytes += record.data.length;
          billed += billedBytes(record.data.length);
        },
      });
      const onePerLine = result.dataLines * FIREHOSE_LIMITS.billingRecordBytes;
      context.metrics.set(`packing.${format}.billedOverRaw`, billed / file.bytes);
      rows.push([
        format,
        result.dataLines.toLocaleString('en-US'),
        fixed(mb(file.bytes)),
        records.toLocaleString('en-US'),
        fixed(mb(billed)),
        fixed(billed / file.bytes, 3),
        fixed(onePerLine / file.bytes, 1),
      ]);
    }
    return {
      id: this.id,
      title: this.title,
      method: [
        'The benchmark data of each format through the shipper (`shipObject`, 256 KiB records, one event hour per record, header line leading each CloudFront record).',
        'Billed bytes: each record rounded up to 5 KB (5,120 bytes), as Firehose bills Direct PUT ingestion. Raw: the log text. One line per record: every line billed as 5 KB.',
      ],
      columns: ['Format', 'Lines', 'Raw MB', 'Records', 'Billed MB', 'Billed ÷ raw (packed)', 'Billed ÷ raw (one line per record)'],
      rows,
      notes: ['Target (CloudFront and S3 access): packed ≤ 1.05×.'],
    };
  },
};

import type { LogFormat } from './format.js';
import { alb } from './formats/alb.js';
import { cloudfront } from './formats/cloudfront.js';
import { cloudtrail } from './formats/cloudtrail.js';
import { elb } from './formats/elb.js';
import { s3Access } from './formats/s3_access.js';
import { vpcFlow } from './formats/vpc_flow.js';
import { TABLE_NAMES, type TableName, type TableSchema } from './schema.js';

/** Every supported format, by table name. A new format is one file in formats/ plus one line here. */
export const FORMATS: Readonly<Record<TableName, LogFormat>> = {
  cloudfront,
  s3_access: s3Access,
  alb,
  elb,
  cloudtrail,
  vpc_flow: vpcFlow,
};

export function formatOf(table: TableName): LogFormat {
  return FORMATS[table];
}

export function schemaOf(table: TableName): TableSchema {
  return FORMATS[table].schema;
}

export const ALL_FORMATS: readonly LogFormat[] = TABLE_NAMES.map((t) => FORMATS[t]);

export type Detection =
  | { readonly kind: 'format'; readonly format: LogFormat }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'unknown' };

/**
 * Which format an object holds, from its key and the start of its (decompressed) content.
 * Known non-log objects under log prefixes (digests, test files) are `skip`. The key decides when it
 * is conclusive; otherwise the content does.
 */
export function detect(key: string, head: string): Detection {
  for (const format of ALL_FORMATS) {
    const reason = format.skipObject(key, head);
    if (reason !== undefined) return { kind: 'skip', reason };
  }
  const byKey = ALL_FORMATS.filter((f) => f.matchKey(key));
  if (byKey.length === 1) return { kind: 'format', format: byKey[0] };
  const candidates = byKey.length > 1 ? byKey : ALL_FORMATS;
  const byContent = candidates.find((f) => f.matchContent(head));
  if (byContent !== undefined) return { kind: 'format', format: byContent };
  return { kind: 'unknown' };
}

import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Url } from '../ingest/sources.js';
import { removePartitions } from '../local/lake.js';
import { DAY, dayOf, parseDay } from './key-dates.js';

/**
 * `--overwrite`: before a range is indexed again, the lake's partitions of that range are removed
 * for the tables replayed — a local lake's `dt=` folders, or an S3 lake's objects under
 * `<prefix><table>/dt=YYYY-MM-DD/`. Only the lake is touched; source logs never are.
 */

export interface OverwriteResult {
  readonly lake: string;
  readonly tables: readonly string[];
  /** `dt` partitions (days) that held data. */
  readonly days: number;
  readonly objects: number;
  readonly bytes: number;
}

export function daysBetween(from: string, to: string): string[] {
  const start = parseDay(from);
  const end = parseDay(to);
  if (start === undefined || end === undefined || start > end) throw new RangeError(`bad day range ${from}..${to}`);
  const days: string[] = [];
  for (let t = start; t <= end; t += DAY) days.push(dayOf(t));
  return days;
}

export async function overwriteLocalLake(lake: string, tables: readonly string[], from: string, to: string): Promise<OverwriteResult> {
  let objects = 0;
  let bytes = 0;
  const days = new Set<string>();
  for (const table of tables) {
    const removed = await removePartitions(lake, table, from, to);
    objects += removed.objects;
    bytes += removed.bytes;
    for (const p of removed.partitions) days.add(`${table}/${p.dt}`);
  }
  return { lake, tables, days: days.size, objects, bytes };
}

interface LakeKey {
  readonly key: string;
  readonly size: number;
}

/** The S3 lake's objects of the tables' `dt` partitions in the range (one listing per table and day). */
export async function listS3LakePartitions(s3: S3Client, lake: string, tables: readonly string[], from: string, to: string): Promise<{ keys: LakeKey[]; days: number }> {
  const location = parseS3Url(lake);
  if (location === undefined) throw new RangeError(`not an s3:// lake: ${lake}`);
  const base = location.prefix === '' || location.prefix.endsWith('/') ? location.prefix : `${location.prefix}/`;
  const keys: LakeKey[] = [];
  let days = 0;
  for (const table of tables) {
    for (const day of daysBetween(from, to)) {
      const prefix = `${base}${table}/dt=${day}/`;
      let token: string | undefined;
      let found = false;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined) continue;
          keys.push({ key: o.Key, size: o.Size ?? 0 });
          found = true;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      if (found) days++;
    }
  }
  return { keys, days };
}

/** Deletes the listed lake objects, 1,000 per DeleteObjects call; any per-key error fails it. */
export async function overwriteS3Lake(s3: S3Client, lake: string, tables: readonly string[], from: string, to: string): Promise<OverwriteResult> {
  const location = parseS3Url(lake)!;
  const { keys, days } = await listS3LakePartitions(s3, lake, tables, from, to);
  for (let i = 0; i < keys.length; i += 1000) {
    const chunk = keys.slice(i, i + 1000);
    const response = await s3.send(
      new DeleteObjectsCommand({ Bucket: location.bucket, Delete: { Objects: chunk.map((k) => ({ Key: k.key })), Quiet: true } }),
    );
    const errors = response.Errors ?? [];
    if (errors.length > 0) {
      throw new Error(`could not delete ${errors.length} lake object(s), e.g. ${errors[0].Key}: ${errors[0].Code ?? ''} ${errors[0].Message ?? ''}`.trim());
    }
  }
  return { lake, tables, days, objects: keys.length, bytes: keys.reduce((sum, k) => sum + k.size, 0) };
}

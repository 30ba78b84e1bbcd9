import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';

/** Log objects under a local directory or an `s3://bucket/prefix`, listed lazily (pagination throughout). */

export interface SourceObject {
  /** Object key (S3) or path relative to the source directory, `/`-separated. */
  readonly key: string;
  readonly size: number;
  /** Where it lives, for messages: `s3://b/k` or the file path. */
  readonly location: string;
  open(): Promise<Readable>;
}

export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

export function parseS3Url(url: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  return match === null ? undefined : { bucket: match[1], prefix: match[2] };
}

/** An S3 client; `LOGHOSE_S3_ENDPOINT` points it at an emulator (path-style, checksums only when required). */
export function createS3Client(region = process.env.AWS_REGION ?? 'us-east-1'): S3Client {
  const endpoint = process.env.LOGHOSE_S3_ENDPOINT;
  return new S3Client({
    region,
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function* listLocalObjects(dir: string): AsyncGenerator<SourceObject> {
  const info = await stat(dir);
  if (info.isFile()) {
    yield fileObject(dir, dir.split(sep).join('/'), info.size);
    return;
  }
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
  for (const path of files) {
    const { size } = await stat(path);
    yield fileObject(path, relative(dir, path).split(sep).join('/'), size);
  }
}

/** Read size of local files: 1 MiB reads feed the gunzip stream in few, large writes. */
const FILE_READ_BYTES = 1024 * 1024;

function fileObject(path: string, key: string, size: number): SourceObject {
  return { key, size, location: path, open: async () => createReadStream(path, { highWaterMark: FILE_READ_BYTES }) };
}

export async function* listS3Objects(s3: S3Client, location: S3Location, startAfter?: string): AsyncGenerator<SourceObject> {
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: location.bucket,
        Prefix: location.prefix,
        ContinuationToken: token,
        StartAfter: token === undefined ? startAfter : undefined,
      }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined || object.Key.endsWith('/')) continue;
      yield s3Object(s3, location.bucket, object.Key, object.Size ?? 0);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

export function s3Object(s3: S3Client, bucket: string, key: string, size: number): SourceObject {
  return {
    key,
    size,
    location: `s3://${bucket}/${key}`,
    open: async () => {
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (response.Body === undefined) throw new Error(`s3://${bucket}/${key}: empty body`);
      return response.Body as Readable;
    },
  };
}

/** Objects of a source given as a directory/file path or an `s3://` URL. */
export function listSource(source: string, s3?: S3Client): AsyncGenerator<SourceObject> {
  const location = parseS3Url(source);
  return location === undefined ? listLocalObjects(source) : listS3Objects(s3 ?? createS3Client(), location);
}

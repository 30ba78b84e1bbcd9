import { ListObjectsV2Command, PutObjectCommand, S3Client, type ListObjectsV2CommandInput } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs, type FauxqsServer } from 'fauxqs';

/** Test helpers for replay: the fauxqs S3/SQS emulator, counting S3 clients, keys of every AWS layout. */

export interface Emulator {
  readonly server: FauxqsServer;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  stop(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export async function startEmulator(): Promise<Emulator> {
  const server = await startFauxqs({ port: 0, logger: false });
  const s3 = s3Client(server.address);
  const sqs = new SQSClient({ endpoint: server.address, region: 'us-east-1', credentials: CREDENTIALS });
  return {
    server,
    s3,
    sqs,
    stop: async () => {
      s3.destroy();
      sqs.destroy();
      await server.stop();
    },
  };
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: CREDENTIALS,
  });
}

export interface ListCall {
  readonly input: ListObjectsV2CommandInput;
  readonly keys: number;
}

/** An S3 client whose ListObjectsV2 calls are recorded (with the keys each returned). */
export function countingS3(endpoint: string): { s3: S3Client; calls: ListCall[] } {
  const s3 = s3Client(endpoint);
  const calls: ListCall[] = [];
  const send = s3.send.bind(s3) as (command: unknown) => Promise<unknown>;
  (s3 as unknown as { send: (command: unknown) => Promise<unknown> }).send = async (command: unknown) => {
    const output = await send(command);
    if (command instanceof ListObjectsV2Command) {
      const page = output as { Contents?: unknown[]; CommonPrefixes?: unknown[] };
      calls.push({ input: command.input, keys: (page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0) });
    }
    return output;
  };
  return { s3, calls };
}

/** Puts objects, several at a time. */
export async function putAll(s3: S3Client, bucket: string, objects: readonly { key: string; body: string | Uint8Array }[], parallel = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const { key, body } = objects[next++];
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

// ---------------------------------------------------------------------------------------------
// Keys as AWS writes them

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

const iso = (ms: number) => new Date(ms).toISOString();
const datePath = (ms: number) => iso(ms).slice(0, 10).replace(/-/g, '/');
const compact = (ms: number) => `${iso(ms).slice(0, 4)}${iso(ms).slice(5, 7)}${iso(ms).slice(8, 10)}T${iso(ms).slice(11, 13)}${iso(ms).slice(14, 16)}Z`;
const unique = (n: number, width: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789') => {
  let text = '';
  let x = n * 2654435761 + 12345;
  for (let i = 0; i < width; i++) {
    text += alphabet[Math.abs(x) % alphabet.length];
    x = Math.floor(x / alphabet.length) + i * 7919;
  }
  return text;
};

export const keys = {
  alb: (t: number, n = 0, base = `AWSLogs/${ACCOUNT}/elasticloadbalancing/${REGION}/`) =>
    `${base}${datePath(t)}/${ACCOUNT}_elasticloadbalancing_${REGION}_app.my-lb.50dc6c495c0c9188_${compact(t)}_10.0.0.${n % 250}_${unique(n, 8)}.log.gz`,
  elb: (t: number, n = 0, base = `AWSLogs/${ACCOUNT}/elasticloadbalancing/${REGION}/`) =>
    `${base}${datePath(t)}/${ACCOUNT}_elasticloadbalancing_${REGION}_my-classic-lb_${compact(t)}_10.0.0.${n % 250}_${unique(n, 8)}.log`,
  cloudtrail: (t: number, n = 0, base = `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/`) =>
    `${base}${datePath(t)}/${ACCOUNT}_CloudTrail_${REGION}_${compact(t)}_${unique(n, 16, 'ABCDEFGHabcdefgh0123456789')}.json.gz`,
  orgTrail: (t: number, n = 0, org = 'o-exampleorgid') =>
    `AWSLogs/${org}/${ACCOUNT}/CloudTrail/${REGION}/${datePath(t)}/${ACCOUNT}_CloudTrail_${REGION}_${compact(t)}_${unique(n, 16, 'ABCDEFGHabcdefgh0123456789')}.json.gz`,
  vpc: (t: number, n = 0, base = `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/`) =>
    `${base}${datePath(t)}/${ACCOUNT}_vpcflowlogs_${REGION}_fl-0123456789abcdef0_${compact(t)}_${unique(n, 8, '0123456789abcdef')}.log.gz`,
  s3Simple: (t: number, n = 0, prefix = 's3/logs/') =>
    `${prefix}${iso(t).slice(0, 10)}-${iso(t).slice(11, 13)}-${iso(t).slice(14, 16)}-${iso(t).slice(17, 19)}-${unique(n, 16, '0123456789ABCDEF')}`,
  s3Partitioned: (t: number, n = 0, prefix = 's3/logs/', bucket = 'amzn-s3-demo-bucket1') =>
    `${prefix}${ACCOUNT}/${REGION}/${bucket}/${datePath(t)}/${iso(t).slice(0, 10)}-${iso(t).slice(11, 13)}-${iso(t).slice(14, 16)}-${iso(t).slice(17, 19)}-${unique(n, 16, '0123456789ABCDEF')}`,
  cloudfront: (t: number, n = 0, prefix = 'cf/', dist = 'E2ABCDEFGHIJKL') => `${prefix}${dist}.${iso(t).slice(0, 10)}-${iso(t).slice(11, 13)}.${unique(n, 8, '0123456789abcdef')}.gz`,
};

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const DAY_MS = 86_400_000;
export const at = (day: string, hh = 0, mm = 0, ss = 0) => Date.parse(`${day}T00:00:00Z`) + hh * HOUR + mm * MINUTE + ss * 1000;

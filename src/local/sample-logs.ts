import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip, gzipSync } from 'node:zlib';

/**
 * Sample AWS service logs for the demo, the end-to-end tests and the benchmarks: realistic,
 * deterministic (same options → same bytes), written as files under the object keys AWS uses, and
 * streamed to disk (memory stays small for millions of lines).
 *
 * Every file is reported in the manifest with exactly what it holds: `dataLines` counts every
 * non-header line (CloudTrail: every event in `Records`), malformed ones included; `badLines` of
 * them are deliberately malformed (`badLineIndexes` says which), in ways any correct parser must
 * reject (a cut-off or invalid event time, a non-numeric byte count, a garbage line, an unterminated
 * quote; CloudTrail: an event without a valid `eventTime`). Header lines (CloudFront `#Version` /
 * `#Fields`, the VPC field-name line) are counted apart. Known non-log objects (ELB's
 * `ELBAccessLogTestFile`, CloudTrail digests) are listed in `nonLogFiles`.
 */

export type SampleFormat = 'cloudfront' | 's3_access' | 'alb' | 'elb' | 'cloudtrail' | 'vpc_flow';

export const SAMPLE_FORMATS: readonly SampleFormat[] = ['cloudfront', 's3_access', 'alb', 'elb', 'cloudtrail', 'vpc_flow'];

export interface SampleOptions {
  /** Output root; files go under it at their AWS object keys. */
  readonly dir: string;
  readonly formats: readonly SampleFormat[];
  /** Start of the event window (UTC); fractions of a second are rounded up. */
  readonly start: Date;
  /** Length of the event window in hours (may be fractional). Event times fall in [start, start + hours). */
  readonly hours: number;
  /** Data lines (CloudTrail: events) per format, bad ones included, spread over the window and over files. */
  readonly linesPerFormat: number;
  /** Fraction of data lines that are deliberately malformed, spread evenly. @default 0.002 */
  readonly badLineRate?: number;
  /** @default 1 */
  readonly seed?: number;
  /**
   * Most data lines in one file. Each delivery period (CloudFront: an hour; others: 5 minutes) gets
   * as many files as it needs. @default per format: CloudFront 5000, S3 500, ALB/ELB 2000, CloudTrail 250, VPC 5000
   */
  readonly linesPerFile?: number;
}

export interface SampleFile {
  /** Path relative to `dir`, '/'-separated: the AWS object key. */
  readonly key: string;
  readonly format: SampleFormat;
  readonly gzip: boolean;
  /** Every non-header line (CloudTrail: every event), malformed ones included. */
  readonly dataLines: number;
  /** How many of `dataLines` are malformed. */
  readonly badLines: number;
  /** 0-based positions of the malformed ones among the data lines (CloudTrail: in `Records`). */
  readonly badLineIndexes: readonly number[];
  /** `#Version`/`#Fields` (CloudFront) or field-name (VPC) lines. */
  readonly headerLines: number;
  /** Uncompressed size in bytes. */
  readonly bytes: number;
  /** Event times of the first and last data line as generated (ISO-8601, ms; a log may show them truncated to the second). */
  readonly firstEvent: string;
  readonly lastEvent: string;
}

export interface SampleTotals {
  files: number;
  dataLines: number;
  badLines: number;
  headerLines: number;
  bytes: number;
}

export interface SampleManifest {
  readonly files: SampleFile[];
  readonly nonLogFiles: { key: string; reason: string }[];
  readonly totals: Record<SampleFormat, SampleTotals>;
}

export const SAMPLE_ACCOUNT = '123456789012';
export const SAMPLE_REGION = 'us-east-1';

/** The object keys this generator writes, per format (the layouts AWS documents). */
export const SAMPLE_KEY_PATTERNS: Readonly<Record<SampleFormat, RegExp>> = {
  cloudfront: /^cloudfront\/E[0-9A-Z]{13}\.\d{4}-\d\d-\d\d-\d\d\.[0-9a-f]{8}\.gz$/,
  s3_access:
    /^s3\/logs\/(?:\d{12}\/[a-z0-9-]+\/[a-z0-9.-]+\/\d{4}\/\d\d\/\d\d\/)?\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-F]{16}$/,
  alb: /^AWSLogs\/\d{12}\/elasticloadbalancing\/[a-z0-9-]+\/\d{4}\/\d\d\/\d\d\/\d{12}_elasticloadbalancing_[a-z0-9-]+_app\.[a-z0-9-]+\.[0-9a-f]{16}_\d{8}T\d{4}Z_\d+\.\d+\.\d+\.\d+_[a-z0-9]{8}\.log\.gz$/,
  elb: /^AWSLogs\/\d{12}\/elasticloadbalancing\/[a-z0-9-]+\/\d{4}\/\d\d\/\d\d\/\d{12}_elasticloadbalancing_[a-z0-9-]+_[a-z0-9-]+_\d{8}T\d{4}Z_\d+\.\d+\.\d+\.\d+_[a-z0-9]{8}\.log$/,
  cloudtrail:
    /^AWSLogs\/\d{12}\/CloudTrail\/[a-z0-9-]+\/\d{4}\/\d\d\/\d\d\/\d{12}_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/,
  vpc_flow:
    /^AWSLogs\/\d{12}\/vpcflowlogs\/[a-z0-9-]+\/\d{4}\/\d\d\/\d\d\/\d{12}_vpcflowlogs_[a-z0-9-]+_fl-[0-9a-f]{17}_\d{8}T\d{4}Z_[0-9a-f]{8}\.log\.gz$/,
};

/** Generates the sample files and returns what was written. */
export async function generateSamples(options: SampleOptions): Promise<SampleManifest> {
  const formats = [...new Set(options.formats)];
  for (const format of formats) if (!SAMPLE_FORMATS.includes(format)) throw new Error(`unknown sample format: ${format}`);
  const startMs = Math.ceil(options.start.getTime() / 1000) * 1000;
  if (!Number.isFinite(startMs)) throw new Error('start is not a valid date');
  if (!(options.hours > 0) || !Number.isFinite(options.hours)) throw new Error('hours must be a positive number');
  if (!Number.isInteger(options.linesPerFormat) || options.linesPerFormat < 0) throw new Error('linesPerFormat must be a non-negative integer');
  const badLineRate = options.badLineRate ?? 0.002;
  if (!(badLineRate >= 0 && badLineRate <= 1)) throw new Error('badLineRate must be between 0 and 1');
  if (options.linesPerFile !== undefined && !(Number.isInteger(options.linesPerFile) && options.linesPerFile > 0)) {
    throw new Error('linesPerFile must be a positive integer');
  }
  const seed = options.seed ?? 1;
  const window = { start: startMs, end: startMs + Math.round(options.hours * 3_600_000) };

  const manifest: SampleManifest = { files: [], nonLogFiles: [], totals: emptyTotals() };
  const usedKeys = new Set<string>();
  for (const format of formats) {
    const spec = FORMAT_SPECS[format];
    const formatRng = new Rng(seed, format, 'format');
    const generator = spec.create(formatRng);
    const plans = planFiles(window, options.linesPerFormat, options.linesPerFile ?? spec.linesPerFile, spec, formatRng);
    const badKinds = generator.badKinds;
    let lineNumber = 0;
    let badOrdinal = 0;
    const written: WrittenFile[] = [];
    for (let index = 0; index < plans.length; index++) {
      const plan = plans[index];
      const rng = new Rng(seed, format, `file-${index}`);
      const file = generator.open({ ...plan, index }, rng, usedKeys);
      const bad: (BadKind | undefined)[] = new Array(plan.count);
      for (let i = 0; i < plan.count; i++, lineNumber++) {
        if (Math.floor((lineNumber + 1) * badLineRate) > Math.floor(lineNumber * badLineRate)) bad[i] = badKinds[badOrdinal++ % badKinds.length];
      }
      const result = await writeSampleFile(options.dir, spec, plan, file, bad, rng);
      manifest.files.push(result.file);
      written.push(result);
      const totals = manifest.totals[format];
      totals.files++;
      totals.dataLines += result.file.dataLines;
      totals.badLines += result.file.badLines;
      totals.headerLines += result.file.headerLines;
      totals.bytes += result.file.bytes;
    }
    for (const nonLog of await generator.nonLogFiles?.(options.dir, written, new Rng(seed, format, 'non-log')) ?? []) {
      if (!manifest.nonLogFiles.some((f) => f.key === nonLog.key)) manifest.nonLogFiles.push(nonLog);
    }
  }
  return manifest;
}

function emptyTotals(): Record<SampleFormat, SampleTotals> {
  const totals = {} as Record<SampleFormat, SampleTotals>;
  for (const format of SAMPLE_FORMATS) totals[format] = { files: 0, dataLines: 0, badLines: 0, headerLines: 0, bytes: 0 };
  return totals;
}

// ---------------------------------------------------------------------------------------------
// Planning: which files, covering which times, with how many lines.

interface FilePlan {
  /** Delivery period this file belongs to (ms). */
  slotStart: number;
  slotEnd: number;
  /** Event times of the file fall in [from, to). */
  from: number;
  to: number;
  count: number;
  /** Position of the file among the files of its delivery period (ALB/ELB: the node). */
  slotFileIndex: number;
}

interface OpenPlan extends FilePlan {
  /** Position among the format's files. */
  index: number;
}

/**
 * Splits the window into delivery periods, gives each a share of the lines (proportional to its
 * length, varied a little so traffic is not flat), and each period as many files as its lines need.
 */
function planFiles(window: { start: number; end: number }, lines: number, linesPerFile: number, spec: FormatSpec, rng: Rng): FilePlan[] {
  const slots: { slotStart: number; slotEnd: number; from: number; to: number; weight: number }[] = [];
  for (let slotStart = Math.floor(window.start / spec.slotMs) * spec.slotMs; slotStart < window.end; slotStart += spec.slotMs) {
    const from = Math.max(slotStart, window.start);
    const to = Math.min(slotStart + spec.slotMs, window.end);
    slots.push({ slotStart, slotEnd: slotStart + spec.slotMs, from, to, weight: (to - from) * (0.7 + 0.6 * rng.float()) });
  }
  const totalWeight = slots.reduce((sum, s) => sum + s.weight, 0);
  const plans: FilePlan[] = [];
  let cumulative = 0;
  let assigned = 0;
  for (const slot of slots) {
    cumulative += slot.weight;
    const upTo = Math.round((lines * cumulative) / totalWeight);
    const inSlot = upTo - assigned;
    assigned = upTo;
    if (inSlot <= 0) continue;
    const files = Math.ceil(inSlot / linesPerFile);
    for (let f = 0; f < files; f++) {
      const count = Math.floor((inSlot * (f + 1)) / files) - Math.floor((inSlot * f) / files);
      plans.push({ slotStart: slot.slotStart, slotEnd: slot.slotEnd, from: slot.from, to: slot.to, count, slotFileIndex: f });
    }
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------
// Writing: one file at a time, streamed through gzip with back-pressure.

type BadKind = 'truncated' | 'garbage' | 'bad-number' | 'bad-time' | 'missing-time';

/** How a good line is built: regular, or with a non-numeric number / an invalid event time. */
const enum Mutation {
  None,
  /** A plain line of the most common kind (no lifecycle, TCP or NODATA variant), to be cut. */
  Regular,
  BadNumber,
  BadTime,
  MissingTime,
}

interface OpenFile {
  readonly key: string;
  /** Written before the first data line, each followed by a newline. */
  readonly headerLines: readonly string[];
  /** One data line (without its newline) for an event at `ms`. */
  line(ms: number, mutation: Mutation): string;
  /** Cuts a regular line so that it is unambiguously malformed (line formats). */
  truncate?(line: string, rng: Rng): string;
}

interface WrittenFile {
  file: SampleFile;
  /** End of the file's delivery period (the time in 5-minute file names). */
  slotEnd: number;
  /** SHA-256 of the uncompressed content (document formats). */
  sha256?: string;
}

const CHUNK_CHARS = 1 << 16;

async function writeSampleFile(
  dir: string,
  spec: FormatSpec,
  plan: FilePlan,
  file: OpenFile,
  bad: readonly (BadKind | undefined)[],
  rng: Rng,
): Promise<WrittenFile> {
  const path = join(dir, ...file.key.split('/'));
  await mkdir(dirname(path), { recursive: true });
  // CloudTrail digests list the SHA-256 of each (uncompressed) log file.
  const hash = spec.document ? createHash('sha256') : undefined;
  const badLineIndexes: number[] = [];
  let bytes = 0;
  let firstEvent = 0;
  let lastEvent = 0;
  const document = spec.document;

  function* chunks(): Generator<string> {
    let buffer = document ? '{"Records":[' : file.headerLines.map((h) => `${h}\n`).join('');
    const resolution = spec.resolutionMs;
    const fromUnit = Math.ceil(plan.from / resolution);
    const span = Math.ceil(plan.to / resolution) - fromUnit;
    for (let i = 0; i < plan.count; i++) {
      // Stratified: event i falls in the i-th of `count` equal parts, so times never decrease.
      const ms = (fromUnit + Math.floor(((i + rng.float()) * span) / plan.count)) * resolution;
      if (i === 0) firstEvent = ms;
      lastEvent = ms;
      const kind = bad[i];
      let line: string;
      if (kind === undefined) line = file.line(ms, Mutation.None);
      else {
        badLineIndexes.push(i);
        line = badLine(kind, ms, file, rng);
      }
      buffer += document ? (i === 0 ? line : `,${line}`) : `${line}\n`;
      if (buffer.length >= CHUNK_CHARS) {
        yield emit(buffer);
        buffer = '';
      }
    }
    if (document) buffer += ']}';
    yield emit(buffer);
  }
  function emit(text: string): string {
    bytes += Buffer.byteLength(text);
    hash?.update(text);
    return text;
  }

  const source = Readable.from(chunks());
  const sink = createWriteStream(path);
  if (spec.gzip) await pipeline(source, createGzip({ level: constants.Z_BEST_SPEED }), sink);
  else await pipeline(source, sink);
  return {
    file: {
      key: file.key,
      format: spec.format,
      gzip: spec.gzip,
      dataLines: plan.count,
      badLines: badLineIndexes.length,
      badLineIndexes,
      headerLines: document ? 0 : file.headerLines.length,
      bytes,
      firstEvent: new Date(firstEvent).toISOString(),
      lastEvent: new Date(lastEvent).toISOString(),
    },
    slotEnd: plan.slotEnd,
    sha256: hash?.digest('hex'),
  };
}

const GARBAGE_LINES = [
  '<html><head><title>502 Bad Gateway</title></head><body>upstream error</body></html>',
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit',
  '{"message":"this is not a log line","level":"info"}',
  '=== rotated at 2026-11-01 ===',
  '\u00ef\u00bb\u00bfGARBAGE\u00e9\u00e8 ~~~ 0x00ff',
];

function badLine(kind: BadKind, ms: number, file: OpenFile, rng: Rng): string {
  switch (kind) {
    case 'garbage':
      return rng.pick(GARBAGE_LINES);
    case 'truncated':
      if (file.truncate === undefined) throw new Error(`${file.key}: this format has no truncated lines`);
      return file.truncate(file.line(ms, Mutation.Regular), rng);
    case 'bad-number':
      return file.line(ms, Mutation.BadNumber);
    case 'bad-time':
      return file.line(ms, Mutation.BadTime);
    case 'missing-time':
      return file.line(ms, Mutation.MissingTime);
  }
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness: sfc32 (128-bit state, fast) seeded by hashing the seed with a salt, so every
// file has its own independent stream and the same options always give the same bytes.

class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private readonly idBytes = Buffer.alloc(40);

  constructor(seed: number, ...salt: string[]) {
    const text = `${seed}\u0000${salt.join('\u0000')}`;
    let h1 = 1779033703;
    let h2 = 3144134277;
    let h3 = 1013904242;
    let h4 = 2773480762;
    for (let i = 0; i < text.length; i++) {
      const k = text.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    this.a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
    this.b = (h2 ^ h1) >>> 0;
    this.c = (h3 ^ h1) >>> 0;
    this.d = (h4 ^ h1) >>> 0;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform unsigned 32-bit integer. */
  next(): number {
    const t0 = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    const t = (t0 + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** [0, 1) */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Favours the first items (a few hot clients, pages, users), like real traffic. */
  skewed<T>(items: readonly T[]): T {
    const r = this.float();
    return items[Math.floor(r * r * r * items.length)];
  }

  /** Picks from [value, weight] pairs. */
  weighted<T>(table: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of table) total += w;
    let r = this.float() * total;
    for (const [value, w] of table) {
      if (r < w) return value;
      r -= w;
    }
    return table[table.length - 1][0];
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.next().toString(16).padStart(8, '0');
    return out.slice(0, length);
  }

  /** Letters and digits, e.g. `a1B2c3D4e5F6g7H8`. */
  alnum(length: number, alphabet = ALNUM): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** base64url of 40 random bytes plus `==`: the shape of a CloudFront x-edge-request-id. */
  edgeRequestId(): string {
    const bytes = this.idBytes;
    for (let i = 0; i < 40; i += 4) bytes.writeUInt32LE(this.next(), i);
    return `${bytes.toString('base64url')}==`;
  }

  base64(byteLength: number): string {
    const bytes = Buffer.alloc(byteLength);
    for (let i = 0; i < byteLength; i++) bytes[i] = this.next() & 0xff;
    return bytes.toString('base64');
  }

  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const UPPER_HEX = '0123456789ABCDEF';

// ---------------------------------------------------------------------------------------------
// Shared vocabulary.

interface FormatSpec {
  readonly format: SampleFormat;
  readonly gzip: boolean;
  /** Delivery period of one file. */
  readonly slotMs: number;
  /** Event times are multiples of this (1000 for formats that log whole seconds). */
  readonly resolutionMs: number;
  readonly linesPerFile: number;
  /** CloudTrail: the file is one `{"Records":[…]}` document; data "lines" are its events. */
  readonly document?: boolean;
  create(rng: Rng): FormatGenerator;
}

interface FormatGenerator {
  /** Malformations used in turn for this format's bad lines. */
  readonly badKinds: readonly BadKind[];
  open(plan: OpenPlan, rng: Rng, usedKeys: Set<string>): OpenFile;
  /** Known non-log objects written next to the logs (test files, digests). */
  nonLogFiles?(dir: string, written: readonly WrittenFile[], rng: Rng): Promise<{ key: string; reason: string }[]>;
}

const MINUTES_5 = 300_000;
const HOUR = 3_600_000;

/** A key not used before in this run (random parts are re-drawn on a clash). */
function uniqueKey(usedKeys: Set<string>, make: () => string): string {
  for (;;) {
    const key = make();
    if (!usedKeys.has(key)) {
      usedKeys.add(key);
      return key;
    }
  }
}

/** `YYYY/MM/DD` */
function datePath(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}`;
}

/** `YYYYMMDDTHHmmZ` */
function compactMinute(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

/** `2026-11-01T13:05:22Z` */
function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** `2026-11-01T13:05:22.186641Z`: ms plus three more digits, as the load balancers log. */
function isoMicros(ms: number, rng: Rng): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(rng.int(1000)).padStart(3, '0')}Z`;
}

/** Milliseconds as seconds with three decimals (`0.042`), without toFixed. */
function seconds3(ms: number): string {
  const fraction = ms % 1000;
  return `${Math.floor(ms / 1000)}.${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}`;
}

function ipv4(rng: Rng): string {
  const first = rng.pick([3, 18, 23, 31, 34, 45, 52, 54, 62, 66, 73, 81, 89, 98, 104, 109, 142, 151, 176, 185, 193, 203, 212]);
  return `${first}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
}

function ipv6(rng: Rng): string {
  const prefix = rng.pick(['2001:db8', '2600:1f18', '2a02:8108', '2406:da18', '2804:14c']);
  return `${prefix}:${rng.int(65536).toString(16)}:${rng.int(65536).toString(16)}::${rng.int(65536).toString(16)}:${(1 + rng.int(65535)).toString(16)}`;
}

function privateIp(rng: Rng, net = '10.0'): string {
  return `${net}.${rng.int(4)}.${2 + rng.int(250)}`;
}

/** Client addresses: a pool with a few heavy hitters and some IPv6. */
function clientPool(rng: Rng, size: number, ipv6Share: number): string[] {
  const pool: string[] = [];
  for (let i = 0; i < size; i++) pool.push(rng.chance(ipv6Share) ? ipv6(rng) : ipv4(rng));
  return pool;
}

const BROWSER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.102 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.2849.80',
];
const TOOL_AGENTS = [
  'curl/8.5.0',
  'python-requests/2.32.3',
  'Go-http-client/2.0',
  'okhttp/4.12.0',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'ELB-HealthChecker/2.0',
];
/** A user agent with quotes in it (logged escaped by the load balancers). */
const QUOTED_AGENT = 'Mozilla/5.0 (compatible; "Scanner" Bot/1.0; +https://scanner.example.net/bot)';

function userAgent(rng: Rng): string {
  const r = rng.float();
  if (r < 0.8) return rng.skewed(BROWSER_AGENTS);
  if (r < 0.99) return rng.pick(TOOL_AGENTS);
  return QUOTED_AGENT;
}

/** Percent-encoding the way CloudFront logs values: spaces and other unsafe bytes as %XX, `%` as %25. */
function cloudfrontEncode(value: string): string {
  return encodeURI(value);
}

const CF_AGENTS = [...BROWSER_AGENTS, ...TOOL_AGENTS, QUOTED_AGENT].map(cloudfrontEncode);

// ---------------------------------------------------------------------------------------------
// CloudFront standard logs (legacy W3C; some files in the older 26-field layout, some written by
// standard logging v2 with a chosen subset and order of fields).

const CF_LEGACY_FIELDS = [
  'date', 'time', 'x-edge-location', 'sc-bytes', 'c-ip', 'cs-method', 'cs(Host)', 'cs-uri-stem', 'sc-status',
  'cs(Referer)', 'cs(User-Agent)', 'cs-uri-query', 'cs(Cookie)', 'x-edge-result-type', 'x-edge-request-id',
  'x-host-header', 'cs-protocol', 'cs-bytes', 'time-taken', 'x-forwarded-for', 'ssl-protocol', 'ssl-cipher',
  'x-edge-response-result-type', 'cs-protocol-version', 'fle-status', 'fle-encrypted-fields', 'c-port',
  'time-to-first-byte', 'x-edge-detailed-result-type', 'sc-content-type', 'sc-content-len', 'sc-range-start',
  'sc-range-end',
] as const;
const CF_V2_EXTRA_FIELDS = ['timestamp(ms)', 'c-country', 'asn', 'cache-behavior-path-pattern', 'origin-fbl', 'origin-lbl'] as const;
const CF_ALL_FIELDS: readonly string[] = [...CF_LEGACY_FIELDS, ...CF_V2_EXTRA_FIELDS];
/** Standard logging v2: a subset in another order. `date` stays first, `time` moves to the middle. */
const CF_V2_FIELDS = [
  'date', 'time-taken', 'c-ip', 'cs-method', 'cs(Host)', 'cs-uri-stem', 'sc-status', 'sc-bytes', 'time',
  'x-edge-location', 'x-edge-result-type', 'cs-protocol', 'cs-uri-query', 'cs(User-Agent)', 'timestamp(ms)',
  'c-country', 'asn', 'cache-behavior-path-pattern', 'origin-fbl', 'origin-lbl', 'x-edge-request-id',
];
/** Which layout each CloudFront file uses, by file index (cycled): mostly today's 33 fields. */
const CF_LAYOUT_CYCLE = ['legacy33', 'legacy26', 'v2', 'legacy33', 'legacy33', 'legacy33', 'legacy26', 'legacy33', 'legacy33', 'legacy33'] as const;

interface CfResource {
  stem: string;
  type: string;
  min: number;
  max: number;
  behavior: string;
  methods?: readonly string[];
  dynamic?: boolean;
  ranged?: boolean;
  scanner?: boolean;
}

const CF_RESOURCES: readonly CfResource[] = [
  { stem: '/', type: 'text/html', min: 9_000, max: 40_000, behavior: '*' },
  { stem: '/assets/app.4f2a9c1e.js', type: 'application/javascript', min: 150_000, max: 420_000, behavior: '/assets/*' },
  { stem: '/assets/styles.9b1d3e07.css', type: 'text/css', min: 20_000, max: 60_000, behavior: '/assets/*' },
  { stem: '/index.html', type: 'text/html', min: 9_000, max: 40_000, behavior: '*' },
  { stem: '/api/v1/products', type: 'application/json', min: 400, max: 30_000, behavior: '/api/*', dynamic: true },
  { stem: '/images/hero%20banner.jpg', type: 'image/jpeg', min: 80_000, max: 400_000, behavior: '/images/*' },
  { stem: '/favicon.ico', type: 'image/x-icon', min: 1_000, max: 15_000, behavior: '*' },
  { stem: '/images/products/%E2%9C%93-check.png', type: 'image/png', min: 2_000, max: 90_000, behavior: '/images/*' },
  { stem: '/api/v1/cart', type: 'application/json', min: 200, max: 4_000, behavior: '/api/*', dynamic: true, methods: ['POST', 'GET', 'OPTIONS'] },
  { stem: '/videos/intro.mp4', type: 'video/mp4', min: 500_000, max: 5_000_000, behavior: '/videos/*', ranged: true },
  { stem: '/downloads/annual%20report%202026.pdf', type: 'application/pdf', min: 300_000, max: 2_000_000, behavior: '*' },
  { stem: '/robots.txt', type: 'text/plain', min: 50, max: 400, behavior: '*' },
  { stem: '/search', type: 'text/html', min: 5_000, max: 30_000, behavior: '*', dynamic: true },
  { stem: '/wp-login.php', type: 'text/html', min: 300, max: 900, behavior: '*', scanner: true },
  { stem: '/.env', type: 'text/html', min: 300, max: 900, behavior: '*', scanner: true },
];

const CF_QUERIES = [
  'q=running%20shoes&page=2',
  'utm_source=newsletter&utm_campaign=spring%2520sale',
  'v=3',
  'lang=en-US&currency=EUR',
  'redirect=%2Faccount%2Forders%3Fid%3D42',
  'q=caf%C3%A9+au+lait',
];
const CF_CACHE_RESULTS = [['Hit', 70], ['Miss', 25], ['RefreshHit', 5]] as const;
const CF_HTTP_VERSIONS = [['HTTP/2.0', 65], ['HTTP/1.1', 25], ['HTTP/3.0', 10]] as const;
const CF_EDGES = ['IAD89-C1', 'IAD12-P1', 'SFO53-P7', 'FRA56-P5', 'LHR61-P3', 'NRT57-P2', 'GRU3-C1', 'SIN2-P4', 'SYD62-P1', 'BOM78-P2', 'CDG52-P2', 'DFW56-P1'];
const CF_COUNTRIES = ['US', 'US', 'US', 'DE', 'GB', 'JP', 'BR', 'IN', 'FR', 'AU', 'CA', 'SG'];
const CF_ASNS = ['16509', '7922', '3320', '2856', '4713', '7018', '15169', '8075', '14618', '3215'];

function createCloudfront(formatRng: Rng): FormatGenerator {
  const clients = clientPool(formatRng, 3000, 0.12);
  const distributionId = 'E2EXAMPLE1ABCD';
  const domain = 'd111111abcdef8.cloudfront.net';
  const layouts: Record<(typeof CF_LAYOUT_CYCLE)[number], number[]> = {
    legacy33: CF_LEGACY_FIELDS.map((_, i) => i),
    legacy26: CF_LEGACY_FIELDS.slice(0, 26).map((_, i) => i),
    v2: CF_V2_FIELDS.map((f) => CF_ALL_FIELDS.indexOf(f)),
  };
  const names: Record<(typeof CF_LAYOUT_CYCLE)[number], string[]> = {
    legacy33: [...CF_LEGACY_FIELDS],
    legacy26: CF_LEGACY_FIELDS.slice(0, 26),
    v2: CF_V2_FIELDS,
  };
  const v: string[] = new Array(CF_ALL_FIELDS.length);
  const clock = new SecondClock();

  return {
    badKinds: ['truncated', 'bad-number', 'garbage', 'bad-time'],
    open(plan, rng, usedKeys) {
      const layoutName = CF_LAYOUT_CYCLE[plan.index % CF_LAYOUT_CYCLE.length];
      const layout = layouts[layoutName];
      const hour = new Date(plan.slotStart).toISOString();
      const key = uniqueKey(usedKeys, () => `cloudfront/${distributionId}.${hour.slice(0, 10)}-${hour.slice(11, 13)}.${rng.hex(8)}.gz`);
      return {
        key,
        headerLines: ['#Version: 1.0', `#Fields: ${names[layoutName].join(' ')}`],
        line(ms, mutation) {
          fillCloudfront(v, ms, mutation, rng, clients, domain, clock);
          let line = v[layout[0]];
          for (let i = 1; i < layout.length; i++) line += `\t${v[layout[i]]}`;
          return line;
        },
        // Every layout starts with `date`: keep it and cut inside what follows, so no event time survives.
        truncate: (line, r) => line.slice(0, 11 + r.between(1, 4)),
      };
    },
  };
}

/** ISO text of the current second, recomputed only when the second changes (lines come in time order). */
class SecondClock {
  private second = NaN;
  iso = '';

  at(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.iso = new Date(second * 1000).toISOString();
    }
    return this.iso;
  }
}

function fillCloudfront(v: string[], ms: number, mutation: Mutation, rng: Rng, clients: readonly string[], domain: string, clock: SecondClock): void {
  const iso = clock.at(ms);
  const resource = rng.skewed(CF_RESOURCES);
  const method = resource.methods ? rng.pick(resource.methods) : rng.chance(0.96) ? 'GET' : 'HEAD';
  const clientIp = rng.skewed(clients);
  const https = rng.chance(0.9);

  let status: string;
  let result: string;
  let detailed: string;
  const r = rng.float();
  if (resource.scanner) {
    status = rng.chance(0.7) ? '404' : '403';
    result = detailed = 'Error';
  } else if (r < 0.012) {
    status = '000';
    result = 'Error';
    detailed = 'ClientCommError';
  } else if (r < 0.03) {
    status = rng.pick(['502', '503', '504', '500']);
    result = 'Error';
    detailed = status === '502' ? 'OriginConnectError' : status === '504' ? 'OriginReadError' : 'Error';
  } else if (r < 0.06) {
    status = '404';
    result = detailed = 'Error';
  } else if (r < 0.08 && !https) {
    status = '301';
    result = detailed = 'Redirect';
  } else if (resource.ranged && r < 0.6) {
    status = '206';
    result = detailed = rng.chance(0.7) ? 'Hit' : 'Miss';
  } else if (r < 0.16 && !resource.dynamic) {
    status = '304';
    result = detailed = rng.chance(0.8) ? 'Hit' : 'RefreshHit';
  } else {
    status = method === 'POST' ? rng.pick(['200', '201']) : '200';
    result = resource.dynamic ? 'Miss' : rng.weighted(CF_CACHE_RESULTS);
    detailed = result === 'Hit' && rng.chance(0.1) ? 'OriginShieldHit' : result;
  }

  let contentLength = resource.min + rng.int(resource.max - resource.min);
  let rangeStart = '-';
  let rangeEnd = '-';
  if (status === '206') {
    const start = rng.int(contentLength);
    const end = Math.min(contentLength - 1, start + 65_535 + rng.int(1_000_000));
    rangeStart = String(start);
    rangeEnd = String(end);
    contentLength = end - start + 1;
  }
  const noBody = status === '304' || status === '000' || status === '301' || method === 'HEAD' || method === 'OPTIONS';
  const bodyBytes = noBody ? 0 : status[0] === '2' ? contentLength : 300 + rng.int(600);
  const scBytes = status === '000' ? rng.int(2000) : bodyBytes + 280 + rng.int(400);
  const timeTakenMs = result === 'Hit' ? 1 + rng.int(50) : 20 + Math.floor(rng.float() * rng.float() * 3000);
  const timeTaken = seconds3(timeTakenMs);
  const ttfb = seconds3(Math.max(1, Math.floor(timeTakenMs * (0.2 + rng.float() * 0.8))));
  const protocolVersion = https ? rng.weighted(CF_HTTP_VERSIONS) : 'HTTP/1.1';

  v[0] = mutation === Mutation.BadTime ? `${iso.slice(0, 5)}13${iso.slice(7, 10)}` : iso.slice(0, 10);
  v[1] = iso.slice(11, 19);
  v[2] = rng.skewed(CF_EDGES);
  v[3] = mutation === Mutation.BadNumber ? 'abc' : String(scBytes);
  v[4] = clientIp;
  v[5] = method;
  v[6] = domain;
  v[7] = resource.dynamic && resource.stem === '/api/v1/products' && rng.chance(0.6) ? `${resource.stem}/${1000 + rng.int(9000)}` : resource.stem;
  v[8] = status;
  v[9] = rng.chance(0.4) ? '-' : rng.pick(['https://www.example.com/', 'https://www.example.com/search?q=shoes', 'https://www.google.com/']);
  v[10] = rng.chance(0.005) ? '-' : rng.pick(CF_AGENTS);
  v[11] = resource.stem === '/search' || rng.chance(0.15) ? rng.pick(CF_QUERIES) : '-';
  v[12] = rng.chance(0.9) ? '-' : `session-id=${rng.between(100, 999)}-${rng.between(1_000_000, 9_999_999)};%20theme=dark`;
  v[13] = result;
  v[14] = rng.edgeRequestId();
  v[15] = rng.chance(0.9) ? 'www.example.com' : domain;
  v[16] = https ? (rng.chance(0.002) ? 'wss' : 'https') : 'http';
  v[17] = String(method === 'POST' ? 800 + rng.int(4000) : 180 + rng.int(900));
  v[18] = timeTaken;
  v[19] = rng.chance(0.92) ? '-' : rng.chance(0.5) ? ipv4(rng) : `${ipv4(rng)}, ${ipv4(rng)}`;
  v[20] = https ? (rng.chance(0.8) ? 'TLSv1.3' : 'TLSv1.2') : '-';
  v[21] = https ? (v[20] === 'TLSv1.3' ? 'TLS_AES_128_GCM_SHA256' : 'ECDHE-RSA-AES128-GCM-SHA256') : '-';
  v[22] = result;
  v[23] = protocolVersion;
  v[24] = '-';
  v[25] = '-';
  v[26] = String(1024 + rng.int(64_511));
  v[27] = ttfb;
  v[28] = detailed;
  v[29] = status === '000' || status === '304' ? '-' : status[0] === '2' ? resource.type : 'text/html';
  v[30] = noBody ? '-' : String(bodyBytes);
  v[31] = rangeStart;
  v[32] = rangeEnd;
  v[33] = mutation === Mutation.BadTime ? '-' : String(ms);
  v[34] = rng.skewed(CF_COUNTRIES);
  v[35] = rng.pick(CF_ASNS);
  v[36] = resource.behavior;
  v[37] = result === 'Hit' || status === '000' ? '-' : ttfb;
  v[38] = result === 'Hit' || status === '000' ? '-' : timeTaken;
}

// ---------------------------------------------------------------------------------------------
// S3 server access logs: 18-, 24-, 26- and 27-field lines mixed, requesters with spaces, lifecycle
// expirations, `"-"` and bare `-`, keys encoded once or twice.

interface S3Bucket {
  name: string;
  /** Partitioned keys (`<account>/<region>/<bucket>/YYYY/MM/DD/`) or the simple layout. */
  partitioned: boolean;
}

const S3_BUCKETS: readonly S3Bucket[] = [
  { name: 'amzn-s3-demo-bucket1', partitioned: false },
  { name: 'amzn-s3-demo-bucket2', partitioned: true },
];

const S3_OBJECT_KEYS = [
  'index.html',
  'photos/2026/summer trip/IMG 0001.jpg',
  'photos/2026/summer trip/IMG 0002.jpg',
  'reports/Q3 results (final).pdf',
  'data/events/part-00000.parquet',
  'data/events/part-00001.parquet',
  'uploads/user+42/avatar.png',
  'backups/db-2026-10-31.sql.gz',
  'docs/caf\u00e9/men\u00fc.txt',
  'static/js/app.js',
];

/** S3's key encoding: RFC 3986 style, `/` kept. */
function s3Encode(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `01/Nov/2026:13:05:22 +0000` */
function clfTime(ms: number, badMonth: boolean): string {
  const iso = new Date(ms).toISOString();
  const month = badMonth ? 'Foo' : MONTH_NAMES[Number(iso.slice(5, 7)) - 1];
  return `${iso.slice(8, 10)}/${month}/${iso.slice(0, 4)}:${iso.slice(11, 19)} +0000`;
}

const S3_AGENTS = [
  'aws-sdk-java/2.25.60 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy',
  'aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.1.97 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#amzn.2023 md/prompt#off md/command#s3.cp',
  'Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.219 md/arch#x86_64 lang/python#3.12.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144',
  'S3Console/0.4',
  'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2',
  ...BROWSER_AGENTS.slice(0, 2),
];

function createS3Access(formatRng: Rng): FormatGenerator {
  const owner = formatRng.hex(64);
  const clients = clientPool(formatRng, 400, 0.1);
  const requesters = [
    `arn:aws:iam::${SAMPLE_ACCOUNT}:user/alice`,
    `arn:aws:sts::${SAMPLE_ACCOUNT}:assumed-role/app-server-role/i-0a1b2c3d4e5f60718`,
    `arn:aws:sts::${SAMPLE_ACCOUNT}:assumed-role/etl-job-role/glue-session-42`,
    owner,
    'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E15MNIMTCFKK4C',
    '-',
    'svc:cloudtrail.amazonaws.com',
  ];

  return {
    badKinds: ['truncated', 'bad-number', 'garbage', 'bad-time'],
    open(plan, rng, usedKeys) {
      const bucket = S3_BUCKETS[plan.index % S3_BUCKETS.length];
      // Delivered some seconds after the period ends; the key time is the delivery time.
      const delivered = plan.slotEnd + rng.between(5, 55) * 1000;
      const iso = new Date(delivered).toISOString();
      const stamp = `${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}`;
      const prefix = bucket.partitioned ? `s3/logs/${SAMPLE_ACCOUNT}/${SAMPLE_REGION}/${bucket.name}/${datePath(delivered)}/` : 's3/logs/';
      const key = uniqueKey(usedKeys, () => `${prefix}${stamp}-${rng.alnum(16, UPPER_HEX)}`);
      const fields: string[] = [];
      return {
        key,
        headerLines: [],
        line(ms, mutation) {
          const regular = mutation !== Mutation.None;
          s3Fields(fields, ms, mutation, rng, owner, bucket.name, regular ? requesters[0] : rng.skewed(requesters), clients);
          const r = rng.float();
          const count = regular ? 26 : r < 0.1 ? 18 : r < 0.25 ? 24 : r < 0.7 ? 26 : 27;
          let line = fields[0];
          for (let i = 1; i < count; i++) line += ` ${fields[i]}`;
          return line;
        },
        truncate(line, r) {
          // Cut inside the bracketed time, or inside the quoted request-URI.
          if (r.chance(0.5)) return line.slice(0, line.indexOf('[') + r.between(1, 20));
          const quote = line.indexOf(' "') + 2;
          const close = line.indexOf('"', quote);
          return line.slice(0, quote + r.between(1, Math.max(1, close - quote - 1)));
        },
      };
    },
  };
}

function s3Fields(
  f: string[],
  ms: number,
  mutation: Mutation,
  rng: Rng,
  owner: string,
  bucket: string,
  requester: string,
  clients: readonly string[],
): void {
  const regular = mutation !== Mutation.None;
  const time = `[${clfTime(ms, mutation === Mutation.BadTime)}]`;
  const requestId = rng.alnum(16, UPPER_HEX);
  const hostId = rng.base64(56);
  const objectKey = rng.skewed(S3_OBJECT_KEYS);
  const encoded = s3Encode(objectKey);
  const hostHeader = `${bucket}.s3.${SAMPLE_REGION}.amazonaws.com`;
  const lifecycle = !regular && rng.chance(0.04);
  if (lifecycle) {
    const size = String(1_000 + rng.int(5_000_000));
    // Lifecycle actions by S3 itself: almost everything is `-`; the key is encoded twice.
    f.splice(0, f.length, owner, bucket, time, '-', 'AmazonS3', requestId, rng.pick(['S3.EXPIRE.OBJECT', 'S3.EXPIRE.OBJECT', 'S3.TRANSITION_SIA.OBJECT']),
      s3Encode(encoded), '-', '-', '-', '-', size, '-', '-', '"-"', '"-"', '-', hostId, '-', '-', '-', '-', '-', '-', '-', '-');
    return;
  }
  const oai = requester.includes(' ');
  const op = oai ? 'REST.GET.OBJECT' : rng.weighted([
    ['REST.GET.OBJECT', 45], ['REST.PUT.OBJECT', 15], ['REST.HEAD.OBJECT', 15], ['REST.GET.BUCKET', 8],
    ['REST.DELETE.OBJECT', 3], ['REST.COPY.OBJECT', 3], ['BATCH.DELETE.OBJECT', 2], ['REST.GET.VERSIONING', 2],
    ['REST.GET.ACL', 2], ['REST.GET.LOGGING_STATUS', 1], ['WEBSITE.GET.OBJECT', 4],
  ] as const);
  const bucketOp = op === 'REST.GET.BUCKET' || op === 'REST.GET.VERSIONING' || op === 'REST.GET.LOGGING_STATUS';
  const verb = op.includes('.PUT.') || op === 'REST.COPY.OBJECT' ? 'PUT' : op.includes('.DELETE.') ? (op.startsWith('BATCH') ? 'POST' : 'DELETE') : op.includes('.HEAD.') ? 'HEAD' : 'GET';
  const uriPath = bucketOp
    ? `/?${op === 'REST.GET.VERSIONING' ? 'versioning' : op === 'REST.GET.LOGGING_STATUS' ? 'logging' : 'list-type=2&prefix=photos%2F&max-keys=1000'}`
    : op.startsWith('BATCH') ? '/?delete' : `/${encoded}${op === 'REST.GET.ACL' ? '?acl' : ''}`;
  const requestUri = `${verb} ${rng.chance(0.3) ? `/${bucket}` : ''}${uriPath} HTTP/1.1`;
  let status = verb === 'DELETE' ? '204' : '200';
  let error = '-';
  const r = rng.float();
  if (r < 0.05 && !bucketOp) {
    status = '404';
    error = 'NoSuchKey';
  } else if (r < 0.08) {
    status = '403';
    error = 'AccessDenied';
  } else if (r < 0.085) {
    status = '503';
    error = 'SlowDown';
  } else if (r < 0.1 && verb === 'GET' && !bucketOp) {
    status = '304';
  }
  const objectSize = bucketOp ? '-' : String(1_000 + rng.int(5_000_000));
  const sent = status === '200' && verb === 'GET' ? (bucketOp ? String(500 + rng.int(20_000)) : objectSize) : error === '-' ? '-' : String(200 + rng.int(150));
  const total = 5 + rng.int(400);
  const https = rng.chance(0.97);
  const keyField = bucketOp ? '-' : op === 'REST.COPY.OBJECT' || op.startsWith('BATCH') ? s3Encode(encoded) : encoded;
  const remote = requester === 'svc:cloudtrail.amazonaws.com' ? '-' : rng.skewed(clients);
  f.splice(
    0,
    f.length,
    owner,
    bucket,
    time,
    remote,
    requester,
    requestId,
    op,
    keyField,
    `"${requestUri}"`,
    status,
    error,
    mutation === Mutation.BadNumber ? 'abc' : sent,
    verb === 'PUT' || (verb === 'GET' && !bucketOp) ? objectSize : '-',
    String(total),
    error === '-' ? String(Math.max(1, total - rng.int(total))) : '-',
    rng.chance(0.9) ? '"-"' : '"https://www.example.com/"',
    oai ? '"Amazon CloudFront"' : `"${rng.pick(S3_AGENTS)}"`,
    rng.chance(0.85) ? '-' : rng.alnum(32, ALNUM + '._'),
    hostId,
    requester === '-' ? '-' : rng.chance(0.97) ? 'SigV4' : 'SigV2',
    https ? rng.pick(['TLS_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256']) : '-',
    requester === '-' ? '-' : rng.chance(0.9) ? 'AuthHeader' : 'QueryString',
    hostHeader,
    https ? (rng.chance(0.7) ? 'TLSv1.3' : 'TLSv1.2') : '-',
    rng.chance(0.9) ? '-' : `arn:aws:s3:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:accesspoint/analytics-ap`,
    rng.chance(0.95) ? '-' : 'Yes',
    rng.chance(0.8) ? '-' : rng.pick(['us-west-2', 'eu-west-1', 'us-east-1']),
  );
}

// ---------------------------------------------------------------------------------------------
// Application Load Balancer: http/https/h2, `-` targets and -1 times, IPv6 clients, URLs with
// spaces, escaped quotes, lines with today's 33 fields, older shorter ones and a future extra field.

const ALB_NAME = 'app/my-alb/50dc6c495c0c9188';
const ALB_TYPES = [['https', 55], ['h2', 35], ['http', 10]] as const;
const ALB_OUTCOMES = [['ok', 93], ['redirect', 2], ['fixed', 1], ['no-target', 0.5], ['502', 1.5], ['504', 1], ['460', 1]] as const;
const ALB_NODES = ['10.0.0.1', '10.0.1.17', '10.0.2.33', '10.0.3.49'];
const ALB_PATHS = [
  '/', '/api/v1/orders', '/api/v1/orders/{id}', '/api/v1/users/me', '/login', '/static/app.js', '/health',
  '/search?q=red+shoes&sort=price', '/images/logo.png', '/checkout', '/docs/getting started.html',
];
const TARGET_GROUP = `arn:aws:elasticloadbalancing:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:targetgroup/my-targets/73e2d6bc24d8a067`;
const CERT_ARN = `arn:aws:acm:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012`;

function createAlb(formatRng: Rng): FormatGenerator {
  const clients = clientPool(formatRng, 1500, 0.15);
  const targets = Array.from({ length: 6 }, () => `${privateIp(formatRng)}:${formatRng.pick(['80', '8080'])}`);
  const tokens: string[] = [];
  return {
    badKinds: ['truncated', 'bad-number', 'garbage', 'bad-time'],
    open(plan, rng, usedKeys) {
      const end = plan.slotEnd;
      const node = ALB_NODES[plan.slotFileIndex % ALB_NODES.length];
      const key = uniqueKey(usedKeys, () =>
        `AWSLogs/${SAMPLE_ACCOUNT}/elasticloadbalancing/${SAMPLE_REGION}/${datePath(end)}/${SAMPLE_ACCOUNT}_elasticloadbalancing_${SAMPLE_REGION}_app.my-alb.50dc6c495c0c9188_${compactMinute(end)}_${node}_${rng.alnum(8, LOWER_ALNUM)}.log.gz`);
      return {
        key,
        headerLines: [],
        line(ms, mutation) {
          albTokens(tokens, ms, mutation, rng, clients, targets);
          const r = rng.float();
          const count = mutation !== Mutation.None ? 33 : r < 0.55 ? 33 : r < 0.75 ? 30 : r < 0.9 ? 29 : r < 0.97 ? 25 : 34;
          let line = tokens[0];
          for (let i = 1; i < count; i++) line += ` ${tokens[i]}`;
          return line;
        },
        truncate(line, r) {
          // Cut inside the time, or inside the quoted request.
          if (r.chance(0.5)) return line.slice(0, line.indexOf(' ') + 1 + r.between(4, 25));
          const quote = line.indexOf('"') + 1;
          return line.slice(0, quote + r.between(1, line.indexOf('"', quote) - quote - 1));
        },
      };
    },
    async nonLogFiles(dir, written) {
      return written.length === 0 ? [] : [await writeElbTestFile(dir, written[0].file.firstEvent)];
    },
  };
}

function albTokens(t: string[], ms: number, mutation: Mutation, rng: Rng, clients: readonly string[], targets: readonly string[]): void {
  const type = rng.weighted(ALB_TYPES);
  const tls = type !== 'http';
  const time = isoMicros(ms, rng);
  const host = 'www.example.com';
  const regular = mutation !== Mutation.None;
  const path = regular ? '/api/v1/orders' : rng.skewed(ALB_PATHS).replace('{id}', String(10_000 + rng.int(90_000)));
  const spaceInUri = path.includes(' ');
  const method = path.startsWith('/api/v1/orders') && rng.chance(0.3) ? 'POST' : rng.chance(0.02) ? 'HEAD' : 'GET';
  const target = rng.pick(targets);
  let kind = regular ? 'ok' : rng.weighted(ALB_OUTCOMES);
  if (kind === 'redirect' && tls) kind = 'ok';

  let targetField = target;
  let times = [`0.00${rng.int(3)}`, (0.001 + rng.float() * rng.float() * 2).toFixed(3), '0.000'];
  let elbStatus = method === 'POST' ? '201' : path === '/login' && rng.chance(0.2) ? '302' : rng.chance(0.05) ? '404' : '200';
  let targetStatus = elbStatus;
  let actions = rng.chance(0.1) ? 'waf,forward' : 'forward';
  let redirect = '-';
  let targetList = target;
  let statusList = targetStatus;
  let priority = rng.chance(0.7) ? String(1 + rng.int(5)) : '0';
  let sent = method === 'HEAD' ? 200 + rng.int(200) : 300 + rng.int(40_000);
  switch (kind) {
    case 'redirect': // http → https by a listener rule: no target, -1 times
      targetField = targetStatus = targetList = statusList = '-';
      times = ['-1', '-1', '-1'];
      elbStatus = '301';
      actions = 'redirect';
      redirect = `https://${host}:443${path.replace(/ /g, '%20')}`;
      priority = '1';
      sent = 0;
      break;
    case 'fixed':
      targetField = targetStatus = targetList = statusList = '-';
      times = ['-1', '-1', '-1'];
      elbStatus = '503';
      actions = 'fixed-response';
      sent = 220;
      break;
    case 'no-target': // no healthy target
      targetField = targetStatus = targetList = statusList = '-';
      times = ['-1', '-1', '-1'];
      elbStatus = '503';
      sent = 326;
      break;
    case '502':
    case '504':
    case '460':
      times = ['0.000', kind === '460' ? (10 + rng.float() * 50).toFixed(3) : '-1', '-1'];
      elbStatus = kind;
      targetStatus = statusList = '-';
      sent = kind === '460' ? 0 : 280 + rng.int(30);
      break;
  }
  if (kind === 'ok' && rng.chance(0.05)) {
    // A first target failed and a second one answered: the lists hold both.
    targetList = `${rng.pick(targets)} ${target}`;
    statusList = `- ${targetStatus}`;
  }
  const agent = rng.chance(0.005) ? '-' : userAgent(rng);
  const cipher = tls ? (rng.chance(0.8) ? 'TLS_AES_128_GCM_SHA256' : 'ECDHE-RSA-AES128-GCM-SHA256') : '-';

  t[0] = type;
  t[1] = mutation === Mutation.BadTime ? `${time.slice(0, 5)}13${time.slice(7)}` : time;
  t[2] = ALB_NAME;
  t[3] = `${rng.skewed(clients)}:${1024 + rng.int(64_511)}`;
  t[4] = targetField;
  t[5] = times[0];
  t[6] = times[1];
  t[7] = times[2];
  t[8] = elbStatus;
  t[9] = targetStatus;
  t[10] = String(method === 'POST' ? 800 + rng.int(4000) : 150 + rng.int(900));
  t[11] = mutation === Mutation.BadNumber ? 'abc' : String(sent);
  t[12] = `"${method} ${tls ? 'https' : 'http'}://${host}:${tls ? 443 : 80}${path} ${type === 'h2' ? 'HTTP/2.0' : 'HTTP/1.1'}"`;
  t[13] = `"${agent.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  t[14] = cipher;
  t[15] = tls ? (cipher.startsWith('TLS_') ? 'TLSv1.3' : 'TLSv1.2') : '-';
  t[16] = kind === 'redirect' || kind === 'fixed' ? '-' : TARGET_GROUP;
  t[17] = `"Root=1-${Math.floor(ms / 1000).toString(16)}-${rng.hex(24)}"`;
  t[18] = tls ? `"${host}"` : '"-"';
  t[19] = tls ? `"${CERT_ARN}"` : '"-"';
  t[20] = priority;
  t[21] = isoMicros(ms - rng.int(3000), rng);
  t[22] = `"${actions}"`;
  t[23] = `"${redirect}"`;
  t[24] = '"-"';
  t[25] = `"${targetList}"`;
  t[26] = `"${statusList}"`;
  t[27] = spaceInUri ? '"Acceptable"' : '"-"';
  t[28] = spaceInUri ? '"SpaceInUri"' : '"-"';
  t[29] = `TID_${rng.hex(32)}`;
  t[30] = '"-"';
  t[31] = '"-"';
  t[32] = '"-"';
  t[33] = '"-"'; // a field AWS may append next: parsers must accept extra trailing fields
}

// ---------------------------------------------------------------------------------------------
// Classic Load Balancer: HTTP(S) lines, TCP/SSL listener lines (`"- - - "`), not-dispatched
// requests (-1 times), older lines without the user-agent and TLS fields.

const ELB_NAME = 'my-elb';
const ELB_NODES = ['10.0.0.2', '10.0.1.18', '10.0.2.34'];

function createElb(formatRng: Rng): FormatGenerator {
  const clients = clientPool(formatRng, 800, 0.05);
  const backends = Array.from({ length: 4 }, () => `${privateIp(formatRng, '172.31')}:${formatRng.pick(['80', '8080'])}`);
  return {
    badKinds: ['truncated', 'bad-number', 'garbage', 'bad-time'],
    open(plan, rng, usedKeys) {
      const end = plan.slotEnd;
      const node = ELB_NODES[plan.slotFileIndex % ELB_NODES.length];
      const key = uniqueKey(usedKeys, () =>
        `AWSLogs/${SAMPLE_ACCOUNT}/elasticloadbalancing/${SAMPLE_REGION}/${datePath(end)}/${SAMPLE_ACCOUNT}_elasticloadbalancing_${SAMPLE_REGION}_${ELB_NAME}_${compactMinute(end)}_${node}_${rng.alnum(8, LOWER_ALNUM)}.log`);
      return {
        key,
        headerLines: [],
        line: (ms, mutation) => elbLine(ms, mutation, rng, clients, backends),
        truncate(line, r) {
          if (r.chance(0.5)) return line.slice(0, r.between(4, 25));
          const quote = line.indexOf('"') + 1;
          return line.slice(0, quote + r.between(1, line.indexOf('"', quote) - quote - 1));
        },
      };
    },
    async nonLogFiles(dir, written) {
      return written.length === 0 ? [] : [await writeElbTestFile(dir, written[0].file.firstEvent)];
    },
  };
}

function elbLine(ms: number, mutation: Mutation, rng: Rng, clients: readonly string[], backends: readonly string[]): string {
  const time = isoMicros(ms, rng);
  const timeField = mutation === Mutation.BadTime ? `${time.slice(0, 5)}13${time.slice(7)}` : time;
  const client = `${rng.skewed(clients)}:${1024 + rng.int(64_511)}`;
  const backend = rng.pick(backends);
  const micros = (max: number) => (rng.float() * max).toFixed(6);
  const kind = mutation !== Mutation.None ? 'http' : rng.weighted([['http', 70], ['https', 15], ['tcp', 6], ['ssl', 3], ['undispatched', 2], ['old', 4]] as const);
  const sent = (n: number) => (mutation === Mutation.BadNumber ? 'abc' : String(n));
  if (kind === 'tcp' || kind === 'ssl') {
    const tls = kind === 'ssl' ? 'ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2' : '- -';
    return `${timeField} ${ELB_NAME} ${client} ${backend} ${micros(0.001)} ${micros(0.01)} ${micros(0.001)} - - ${rng.int(2000)} ${sent(rng.int(40_000))} "- - - " "-" ${tls}`;
  }
  const https = kind === 'https';
  const path = rng.skewed(['/', '/index.html', '/api/status', '/products?id=42&ref=home', '/images/logo.png', '/cart', '/search?q=blue widgets']);
  const method = rng.chance(0.9) ? 'GET' : 'POST';
  const request = `"${method} ${https ? 'https' : 'http'}://www.example.com:${https ? 443 : 80}${path} HTTP/1.1"`;
  const agent = `"${userAgent(rng).replace(/"/g, '\\"')}"`;
  const tls = https ? 'ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2' : '- -';
  if (kind === 'undispatched') {
    return `${timeField} ${ELB_NAME} ${client} - -1 -1 -1 ${rng.pick(['503', '504'])} 0 0 ${sent(0)} ${request} ${agent} ${tls}`;
  }
  const status = rng.weighted([['200', 88], ['304', 4], ['404', 5], ['500', 2], ['302', 1]] as const);
  const head = `${timeField} ${ELB_NAME} ${client} ${backend} ${micros(0.0002)} ${micros(0.5)} ${micros(0.0002)} ${status} ${status} ${method === 'POST' ? 300 + rng.int(3000) : 0} ${sent(100 + rng.int(50_000))} ${request}`;
  return kind === 'old' ? head : `${head} ${agent} ${tls}`;
}

async function writeElbTestFile(dir: string, firstEvent: string): Promise<{ key: string; reason: string }> {
  const key = `AWSLogs/${SAMPLE_ACCOUNT}/ELBAccessLogTestFile`;
  const path = join(dir, ...key.split('/'));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `Enable AccessLog for ELB: ${ELB_NAME} at ${firstEvent}`);
  return { key, reason: 'ELB access log test file' };
}

// ---------------------------------------------------------------------------------------------
// CloudTrail: `{"Records":[…]}` with IAM users, assumed roles with session context, AWS services,
// console sign-ins, errors, resources, tlsDetails, data events; hourly digest files alongside.

const CT_ROLES = [
  { name: 'app-server-role', id: 'AROAEXAMPLEAPPSERVER1', session: () => 'i-0a1b2c3d4e5f60718' },
  { name: 'AWSReservedSSO_AdministratorAccess_5a2b3c4d5e6f7a8b', id: 'AROAEXAMPLEADMINSSO01', session: () => 'jane.doe@example.com' },
  { name: 'order-processor-lambda-role', id: 'AROAEXAMPLELAMBDA0001', session: () => 'order-processor' },
  { name: 'github-actions-deploy', id: 'AROAEXAMPLEGHACTIONS1', session: () => 'GitHubActions' },
];
const CT_USERS = [
  { name: 'alice', id: 'AIDAEXAMPLEALICE00001' },
  { name: 'ci-deployer', id: 'AIDAEXAMPLECIDEPLOY01' },
  { name: 'bob', id: 'AIDAEXAMPLEBOB0000001' },
];
const CT_SDK_AGENTS = [
  'aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.1.97 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#ec2.describe-instances',
  'Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.219 md/arch#x86_64 lang/python#3.12.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144',
  'aws-sdk-js/3.614.0 ua/2.1 os/linux#5.10.219 lang/js md/nodejs#20.15.1 api/ec2#3.614.0',
  'AWS Internal',
  'console.amazonaws.com',
  'Terraform/1.9.2 (+https://www.terraform.io) terraform-provider-aws/5.58.0 aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5',
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function createCloudtrail(formatRng: Rng): FormatGenerator {
  const clients = clientPool(formatRng, 60, 0.1);
  const kmsKey = `arn:aws:kms:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:key/${formatRng.uuid()}`;
  const bucket = `aws-cloudtrail-logs-${SAMPLE_ACCOUNT}-${formatRng.hex(8)}`;
  return {
    badKinds: ['missing-time', 'bad-time'],
    open(plan, rng, usedKeys) {
      const end = plan.slotEnd;
      const key = uniqueKey(usedKeys, () =>
        `AWSLogs/${SAMPLE_ACCOUNT}/CloudTrail/${SAMPLE_REGION}/${datePath(end)}/${SAMPLE_ACCOUNT}_CloudTrail_${SAMPLE_REGION}_${compactMinute(end)}_${rng.alnum(16)}.json.gz`);
      return {
        key,
        headerLines: [],
        line(ms, mutation) {
          const event = cloudtrailEvent(ms, rng, clients, kmsKey);
          if (mutation === Mutation.MissingTime) delete event.eventTime;
          else if (mutation === Mutation.BadTime) event.eventTime = rng.chance(0.5) ? `${isoSeconds(ms).slice(0, 5)}13${isoSeconds(ms).slice(7)}` : 'yesterday';
          return JSON.stringify(event);
        },
      };
    },
    nonLogFiles: (dir, written, rng) => writeDigests(dir, written, rng, bucket),
  };
}

function roleIdentity(rng: Rng, ms: number, role = rng.skewed(CT_ROLES), invokedBy?: string): { [key: string]: Json } {
  const identity: { [key: string]: Json } = {
    type: 'AssumedRole',
    principalId: `${role.id}:${role.session()}`,
    arn: `arn:aws:sts::${SAMPLE_ACCOUNT}:assumed-role/${role.name}/${role.session()}`,
    accountId: SAMPLE_ACCOUNT,
    accessKeyId: `ASIA${rng.alnum(16, UPPER_ALNUM)}`,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: role.id,
        arn: `arn:aws:iam::${SAMPLE_ACCOUNT}:role/${role.name.startsWith('AWSReservedSSO') ? 'aws-reserved/sso.amazonaws.com/' : ''}${role.name}`,
        accountId: SAMPLE_ACCOUNT,
        userName: role.name,
      },
      webIdFederationData: {},
      attributes: { creationDate: isoSeconds(ms - (1 + rng.int(3600)) * 1000), mfaAuthenticated: 'false' },
    },
  };
  if (invokedBy !== undefined) identity.invokedBy = invokedBy;
  return identity;
}

function userIdentity(rng: Rng, user = rng.skewed(CT_USERS)): { [key: string]: Json } {
  return {
    type: 'IAMUser',
    principalId: user.id,
    arn: `arn:aws:iam::${SAMPLE_ACCOUNT}:user/${user.name}`,
    accountId: SAMPLE_ACCOUNT,
    accessKeyId: `AKIA${rng.alnum(16, UPPER_ALNUM)}`,
    userName: user.name,
  };
}

function tlsDetails(host: string): { [key: string]: Json } {
  return { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: host };
}

/** One event; the order of keys follows CloudTrail's. */
function cloudtrailEvent(ms: number, rng: Rng, clients: readonly string[], kmsKey: string): { [key: string]: Json } {
  const eventTime = isoSeconds(ms);
  const ip = rng.skewed(clients);
  const base = (version: string, identity: Json, source: string, name: string, agent: string, sourceIp = ip) =>
    ({ eventVersion: version, userIdentity: identity, eventTime, eventSource: source, eventName: name, awsRegion: SAMPLE_REGION, sourceIPAddress: sourceIp, userAgent: agent }) as { [key: string]: Json };
  const tail = (event: { [key: string]: Json }, readOnly: boolean, category: 'Management' | 'Data', host?: string) => {
    event.requestID = rng.uuid();
    event.eventID = rng.uuid();
    event.readOnly = readOnly;
    event.eventType = event.eventType ?? 'AwsApiCall';
    event.managementEvent = category === 'Management';
    event.recipientAccountId = SAMPLE_ACCOUNT;
    event.eventCategory = category;
    if (host !== undefined) event.tlsDetails = tlsDetails(host);
    return event;
  };
  const kind = rng.weighted([
    ['describe', 24], ['getObject', 16], ['assumeRoleService', 10], ['deploy', 8], ['signin', 5], ['denied', 8],
    ['kmsDecrypt', 8], ['rotateKey', 2], ['root', 1], ['runInstances', 3], ['createRole', 3], ['lambdaInvoke', 8], ['noSuchEntity', 4],
  ] as const);
  switch (kind) {
    case 'describe': {
      const e = base('1.10', roleIdentity(rng, ms), 'ec2.amazonaws.com', rng.pick(['DescribeInstances', 'DescribeSecurityGroups', 'DescribeVolumes']), rng.pick(CT_SDK_AGENTS));
      e.requestParameters = { maxResults: 1000, filterSet: { items: [{ name: 'instance-state-name', valueSet: { items: [{ value: 'running' }] } }] } };
      e.responseElements = null;
      return tail(e, true, 'Management', 'ec2.us-east-1.amazonaws.com');
    }
    case 'getObject': {
      const key = rng.pick(['reports/Q3 results (final).pdf', 'data/events/part-00000.parquet', 'config/app.json']);
      const e = base('1.10', roleIdentity(rng, ms, CT_ROLES[0]), 's3.amazonaws.com', rng.chance(0.8) ? 'GetObject' : 'PutObject', rng.pick(CT_SDK_AGENTS.slice(0, 3)));
      e.requestParameters = { bucketName: 'amzn-s3-demo-bucket1', Host: 'amzn-s3-demo-bucket1.s3.us-east-1.amazonaws.com', key };
      e.responseElements = null;
      e.additionalEventData = {
        SignatureVersion: 'SigV4',
        CipherSuite: 'TLS_AES_128_GCM_SHA256',
        bytesTransferredIn: 0,
        AuthenticationMethod: 'AuthHeader',
        'x-amz-id-2': rng.base64(56),
        bytesTransferredOut: 1000 + rng.int(5_000_000),
      };
      e.resources = [
        { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::amzn-s3-demo-bucket1/${key}` },
        { accountId: SAMPLE_ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::amzn-s3-demo-bucket1' },
      ];
      return tail(e, e.eventName === 'GetObject', 'Data', 'amzn-s3-demo-bucket1.s3.us-east-1.amazonaws.com');
    }
    case 'assumeRoleService': {
      const role = rng.pick(CT_ROLES.slice(2));
      const service = role.name.includes('lambda') ? 'lambda.amazonaws.com' : 'ec2.amazonaws.com';
      const e = base('1.08', { type: 'AWSService', invokedBy: service }, 'sts.amazonaws.com', 'AssumeRole', service, service);
      e.requestParameters = { roleArn: `arn:aws:iam::${SAMPLE_ACCOUNT}:role/${role.name}`, roleSessionName: role.session(), durationSeconds: 3600 };
      e.responseElements = {
        credentials: { accessKeyId: `ASIA${rng.alnum(16, UPPER_ALNUM)}`, sessionToken: rng.base64(96), expiration: new Date(ms + HOUR).toUTCString() },
        assumedRoleUser: { assumedRoleId: `${role.id}:${role.session()}`, arn: `arn:aws:sts::${SAMPLE_ACCOUNT}:assumed-role/${role.name}/${role.session()}` },
      };
      e.resources = [{ accountId: SAMPLE_ACCOUNT, type: 'AWS::IAM::Role', ARN: `arn:aws:iam::${SAMPLE_ACCOUNT}:role/${role.name}` }];
      e.sharedEventID = rng.uuid();
      return tail(e, true, 'Management');
    }
    case 'deploy': {
      const e = base('1.09', userIdentity(rng, CT_USERS[1]), 'lambda.amazonaws.com', 'UpdateFunctionCode20150331v2', CT_SDK_AGENTS[5]);
      e.requestParameters = { functionName: 'order-processor', publish: true, s3Bucket: 'deploy-artifacts', s3Key: `order-processor/${rng.hex(40)}.zip` };
      e.responseElements = {
        functionName: 'order-processor',
        functionArn: `arn:aws:lambda:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:function:order-processor`,
        runtime: 'nodejs22.x',
        codeSize: 1_000_000 + rng.int(4_000_000),
        version: String(1 + rng.int(300)),
        state: 'Active',
        architectures: ['arm64'],
      };
      return tail(e, false, 'Management', 'lambda.us-east-1.amazonaws.com');
    }
    case 'signin': {
      const success = rng.chance(0.85);
      const e = base('1.09', { type: 'IAMUser', principalId: CT_USERS[0].id, arn: `arn:aws:iam::${SAMPLE_ACCOUNT}:user/alice`, accountId: SAMPLE_ACCOUNT, userName: 'alice' }, 'signin.amazonaws.com', 'ConsoleLogin', BROWSER_AGENTS[0]);
      e.requestParameters = null;
      e.responseElements = { ConsoleLogin: success ? 'Success' : 'Failure' };
      e.additionalEventData = { LoginTo: 'https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_abc123', MobileVersion: 'No', MFAUsed: success ? 'Yes' : 'No' };
      if (!success) e.errorMessage = 'Failed authentication';
      e.eventType = 'AwsConsoleSignIn';
      return tail(e, false, 'Management', 'signin.aws.amazon.com');
    }
    case 'denied': {
      const e = base('1.10', roleIdentity(rng, ms, CT_ROLES[3]), 'ec2.amazonaws.com', 'RunInstances', CT_SDK_AGENTS[5]);
      e.errorCode = 'Client.UnauthorizedOperation';
      e.errorMessage = `You are not authorized to perform this operation. User: arn:aws:sts::${SAMPLE_ACCOUNT}:assumed-role/github-actions-deploy/GitHubActions is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:${SAMPLE_ACCOUNT}:instance/* because no identity-based policy allows the ec2:RunInstances action. Encoded authorization failure message: ${rng.base64(120)}`;
      e.requestParameters = { instancesSet: { items: [{ imageId: 'ami-0abcdef1234567890', minCount: 1, maxCount: 1 }] }, instanceType: 't3.micro' };
      e.responseElements = null;
      return tail(e, false, 'Management', 'ec2.us-east-1.amazonaws.com');
    }
    case 'noSuchEntity': {
      const e = base('1.09', userIdentity(rng, CT_USERS[2]), 'iam.amazonaws.com', 'GetUser', CT_SDK_AGENTS[0]);
      e.errorCode = 'NoSuchEntityException';
      e.errorMessage = 'The user with name carol cannot be found.';
      e.requestParameters = { userName: 'carol' };
      e.responseElements = null;
      return tail(e, true, 'Management', 'iam.amazonaws.com');
    }
    case 'kmsDecrypt': {
      const e = base('1.08', roleIdentity(rng, ms, CT_ROLES[2], 'secretsmanager.amazonaws.com'), 'kms.amazonaws.com', 'Decrypt', 'secretsmanager.amazonaws.com', 'secretsmanager.amazonaws.com');
      e.requestParameters = { encryptionContext: { SecretARN: `arn:aws:secretsmanager:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:secret:prod/db-AbCdEf`, SecretVersionId: rng.uuid() }, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      e.responseElements = null;
      e.resources = [{ accountId: SAMPLE_ACCOUNT, type: 'AWS::KMS::Key', ARN: kmsKey }];
      return tail(e, true, 'Management');
    }
    case 'rotateKey': {
      const e = base('1.08', { accountId: SAMPLE_ACCOUNT, invokedBy: 'kms.amazonaws.com' }, 'kms.amazonaws.com', 'RotateKey', 'kms.amazonaws.com', 'kms.amazonaws.com');
      e.requestParameters = null;
      e.responseElements = null;
      e.resources = [{ accountId: SAMPLE_ACCOUNT, type: 'AWS::KMS::Key', ARN: kmsKey }];
      e.eventType = 'AwsServiceEvent';
      e.serviceEventDetails = { keyId: kmsKey.slice(kmsKey.lastIndexOf('/') + 1) };
      return tail(e, false, 'Management');
    }
    case 'root': {
      const e = base('1.09', { type: 'Root', principalId: SAMPLE_ACCOUNT, arn: `arn:aws:iam::${SAMPLE_ACCOUNT}:root`, accountId: SAMPLE_ACCOUNT, accessKeyId: `ASIA${rng.alnum(16, UPPER_ALNUM)}`, sessionContext: { attributes: { creationDate: isoSeconds(ms - 60_000), mfaAuthenticated: 'true' } } }, 'iam.amazonaws.com', 'GetAccountSummary', 'AWS Internal');
      e.requestParameters = null;
      e.responseElements = null;
      e.sessionCredentialFromConsole = 'true';
      return tail(e, true, 'Management', 'iam.amazonaws.com');
    }
    case 'runInstances': {
      const e = base('1.10', roleIdentity(rng, ms, CT_ROLES[1]), 'ec2.amazonaws.com', 'RunInstances', 'console.amazonaws.com');
      const instanceId = `i-0${rng.hex(16)}`;
      e.requestParameters = {
        instancesSet: { items: [{ imageId: 'ami-0abcdef1234567890', minCount: 1, maxCount: 1, keyName: 'ops-key' }] },
        instanceType: 't3.large',
        blockDeviceMapping: { items: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 50, deleteOnTermination: true, volumeType: 'gp3' } }] },
        tagSpecificationSet: { items: [{ resourceType: 'instance', tags: [{ key: 'Name', value: 'batch worker' }, { key: 'team', value: 'data' }] }] },
      };
      e.responseElements = {
        requestId: rng.uuid(),
        reservationId: `r-0${rng.hex(16)}`,
        ownerId: SAMPLE_ACCOUNT,
        instancesSet: { items: [{ instanceId, imageId: 'ami-0abcdef1234567890', instanceState: { code: 0, name: 'pending' }, privateIpAddress: privateIp(rng), placement: { availabilityZone: 'us-east-1a', tenancy: 'default' } }] },
      };
      e.sessionCredentialFromConsole = 'true';
      return tail(e, false, 'Management', 'ec2.us-east-1.amazonaws.com');
    }
    case 'createRole': {
      const e = base('1.09', roleIdentity(rng, ms, CT_ROLES[1]), 'iam.amazonaws.com', 'CreateRole', 'console.amazonaws.com');
      const name = `svc-role-${rng.alnum(6, LOWER_ALNUM)}`;
      const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
      e.requestParameters = { roleName: name, assumeRolePolicyDocument: policy, tags: [{ key: 'owner', value: 'jane.doe' }] };
      e.responseElements = { role: { path: '/', roleName: name, roleId: `AROA${rng.alnum(17, UPPER_ALNUM)}`, arn: `arn:aws:iam::${SAMPLE_ACCOUNT}:role/${name}`, createDate: new Date(ms).toUTCString(), assumeRolePolicyDocument: encodeURIComponent(policy) } };
      return tail(e, false, 'Management', 'iam.amazonaws.com');
    }
    case 'lambdaInvoke': {
      const e = base('1.08', roleIdentity(rng, ms, CT_ROLES[2]), 'lambda.amazonaws.com', 'Invoke', 'aws-sdk-js/3.614.0');
      e.requestParameters = { functionName: `arn:aws:lambda:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:function:order-processor`, sourceArn: `arn:aws:sqs:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:orders` };
      e.responseElements = null;
      e.additionalEventData = { functionVersion: `arn:aws:lambda:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:function:order-processor:$LATEST` };
      e.resources = [{ accountId: SAMPLE_ACCOUNT, type: 'AWS::Lambda::Function', ARN: `arn:aws:lambda:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:function:order-processor` }];
      return tail(e, false, 'Data');
    }
  }
}

/** One digest per hour of delivered log files (JSON without `Records`), hashes of the real files. */
async function writeDigests(dir: string, written: readonly WrittenFile[], rng: Rng, bucket: string): Promise<{ key: string; reason: string }[]> {
  const byHour = new Map<number, WrittenFile[]>();
  for (const w of written) {
    const hour = Math.floor(w.slotEnd / HOUR) * HOUR;
    const list = byHour.get(hour) ?? [];
    list.push(w);
    byHour.set(hour, list);
  }
  const out: { key: string; reason: string }[] = [];
  let previous: { key: string; hash: string } | undefined;
  for (const [hour, files] of [...byHour].sort((a, b) => a[0] - b[0])) {
    const end = hour + HOUR;
    const iso = new Date(end + rng.between(10, 600) * 1000).toISOString();
    const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    const key = `AWSLogs/${SAMPLE_ACCOUNT}/CloudTrail-Digest/${SAMPLE_REGION}/${datePath(end)}/${SAMPLE_ACCOUNT}_CloudTrail-Digest_${SAMPLE_REGION}_management-events_${SAMPLE_REGION}_${stamp}.json.gz`;
    const events = files.flatMap((f) => [f.file.firstEvent, f.file.lastEvent]).sort();
    const digest = {
      awsAccountId: SAMPLE_ACCOUNT,
      digestStartTime: isoSeconds(hour),
      digestEndTime: isoSeconds(end),
      digestS3Bucket: bucket,
      digestS3Object: key,
      digestPublicKeyFingerprint: rng.hex(32),
      digestSignatureAlgorithm: 'SHA256withRSA',
      newestEventTime: isoSeconds(Date.parse(events[events.length - 1])),
      oldestEventTime: isoSeconds(Date.parse(events[0])),
      previousDigestS3Bucket: previous ? bucket : null,
      previousDigestS3Object: previous?.key ?? null,
      previousDigestHashValue: previous?.hash ?? null,
      previousDigestHashAlgorithm: previous ? 'SHA-256' : null,
      previousDigestSignature: previous ? rng.hex(512) : null,
      logFiles: files.map((f) => ({
        s3Bucket: bucket,
        s3Object: f.file.key,
        hashValue: f.sha256 ?? null,
        hashAlgorithm: 'SHA-256',
        newestEventTime: isoSeconds(Date.parse(f.file.lastEvent)),
        oldestEventTime: isoSeconds(Date.parse(f.file.firstEvent)),
      })),
    };
    const text = JSON.stringify(digest);
    const path = join(dir, ...key.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, gzipSync(text));
    previous = { key, hash: createHash('sha256').update(text).digest('hex') };
    out.push({ key, reason: 'CloudTrail digest file' });
  }
  return out;
}


// ---------------------------------------------------------------------------------------------
// VPC Flow Logs: a header line per file; the default (v2) format in some files, a custom v5
// format in another order in others (a second flow log); ACCEPT/REJECT, NODATA/SKIPDATA.

const VPC_DEFAULT_FIELDS = ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status'];
const VPC_CUSTOM_FIELDS = [
  'version', 'vpc-id', 'subnet-id', 'instance-id', 'interface-id', 'account-id', 'type', 'srcaddr', 'dstaddr', 'srcport',
  'dstport', 'pkt-srcaddr', 'pkt-dstaddr', 'protocol', 'bytes', 'packets', 'start', 'end', 'action', 'tcp-flags',
  'log-status', 'region', 'az-id', 'flow-direction', 'traffic-path', 'pkt-src-aws-service', 'pkt-dst-aws-service',
];
const VPC_PROTOCOLS = [['6', 85], ['17', 13], ['1', 2]] as const;
const VPC_STATUSES = [['OK', 96], ['NODATA', 3], ['SKIPDATA', 1]] as const;
const VPC_FLOW_LOGS = { default: 'fl-1234567890abcdef0', custom: 'fl-0fedcba9876543210' };

interface Eni {
  id: string;
  ip: string;
  instance: string;
  subnet: string;
  az: string;
}

function createVpcFlow(formatRng: Rng): FormatGenerator {
  const subnets = [
    { id: 'subnet-0a1b2c3d4e5f60001', az: 'use1-az1', net: '10.0.0' },
    { id: 'subnet-0a1b2c3d4e5f60002', az: 'use1-az2', net: '10.0.1' },
    { id: 'subnet-0a1b2c3d4e5f60003', az: 'use1-az4', net: '10.0.2' },
  ];
  const enis: Eni[] = Array.from({ length: 24 }, () => {
    const subnet = formatRng.pick(subnets);
    return {
      id: `eni-0${formatRng.hex(16)}`,
      ip: `${subnet.net}.${2 + formatRng.int(250)}`,
      instance: formatRng.chance(0.7) ? `i-0${formatRng.hex(16)}` : '-',
      subnet: subnet.id,
      az: subnet.az,
    };
  });
  const remotes = clientPool(formatRng, 500, 0.08);
  const values = new Map<string, string>();
  return {
    badKinds: ['truncated', 'bad-number', 'garbage', 'bad-time'],
    open(plan, rng, usedKeys) {
      const custom = plan.index % 3 === 1;
      const fields = custom ? VPC_CUSTOM_FIELDS : VPC_DEFAULT_FIELDS;
      const flowLog = custom ? VPC_FLOW_LOGS.custom : VPC_FLOW_LOGS.default;
      const end = plan.slotEnd;
      const key = uniqueKey(usedKeys, () =>
        `AWSLogs/${SAMPLE_ACCOUNT}/vpcflowlogs/${SAMPLE_REGION}/${datePath(end)}/${SAMPLE_ACCOUNT}_vpcflowlogs_${SAMPLE_REGION}_${flowLog}_${compactMinute(end)}_${rng.hex(8)}.log.gz`);
      const startIndex = fields.indexOf('start');
      return {
        key,
        headerLines: [fields.join(' ')],
        line(ms, mutation) {
          vpcValues(values, ms, mutation, rng, custom ? 5 : 2, rng.skewed(enis), remotes);
          let line = values.get(fields[0]) ?? '-';
          for (let i = 1; i < fields.length; i++) line += ` ${values.get(fields[i]) ?? '-'}`;
          return line;
        },
        truncate(line, r) {
          // Cut before `start`: what remains has no event time.
          const tokens = line.split(' ');
          const keep = r.between(3, startIndex - 1);
          return `${tokens.slice(0, keep).join(' ')} ${tokens[keep].slice(0, Math.ceil(tokens[keep].length / 2))}`;
        },
      };
    },
  };
}

function vpcValues(v: Map<string, string>, ms: number, mutation: Mutation, rng: Rng, version: number, eni: Eni, remotes: readonly string[]): void {
  const start = Math.floor(ms / 1000);
  const end = start + rng.between(1, 59);
  v.clear();
  v.set('version', String(version));
  v.set('account-id', SAMPLE_ACCOUNT);
  v.set('interface-id', eni.id);
  v.set('start', mutation === Mutation.BadTime ? isoSeconds(ms) : String(start));
  v.set('end', String(end));
  v.set('vpc-id', 'vpc-0a1b2c3d4e5f60718');
  v.set('subnet-id', eni.subnet);
  v.set('instance-id', eni.instance);
  v.set('region', SAMPLE_REGION);
  v.set('az-id', eni.az);
  const status = mutation !== Mutation.None ? 'OK' : rng.weighted(VPC_STATUSES);
  v.set('log-status', status);
  if (status !== 'OK') return; // everything else stays `-`
  const remote = rng.skewed(remotes);
  const v6 = remote.includes(':');
  const local = v6 ? `2600:1f18:4a3:6b00::${rng.int(65536).toString(16)}` : eni.ip;
  const ingress = rng.chance(0.55);
  const protocol = rng.weighted(VPC_PROTOCOLS);
  const servicePort = protocol === '17' ? rng.pick(['53', '123', '443']) : rng.pick(['443', '443', '443', '80', '22', '5432', '3389', '8080']);
  const ephemeral = String(1024 + rng.int(64_511));
  const src = ingress ? remote : local;
  const dst = ingress ? local : remote;
  const reject = ingress && rng.chance(servicePort === '22' || servicePort === '3389' ? 0.9 : 0.08);
  const packets = reject ? 1 + rng.int(3) : 1 + Math.floor(rng.float() * rng.float() * 5000);
  const bytes = packets * (protocol === '6' ? 40 + rng.int(1460) : 60 + rng.int(500));
  v.set('srcaddr', src);
  v.set('dstaddr', dst);
  v.set('srcport', protocol === '1' ? '0' : ephemeral);
  v.set('dstport', protocol === '1' ? '0' : servicePort);
  v.set('protocol', protocol);
  v.set('packets', String(packets));
  v.set('bytes', mutation === Mutation.BadNumber ? 'abc' : String(bytes));
  v.set('action', reject ? 'REJECT' : 'ACCEPT');
  v.set('type', v6 ? 'IPv6' : 'IPv4');
  v.set('pkt-srcaddr', src);
  v.set('pkt-dstaddr', dst);
  v.set('tcp-flags', protocol === '6' ? rng.pick(['2', '18', '19', '3', '1', '0']) : '0');
  v.set('flow-direction', ingress ? 'ingress' : 'egress');
  v.set('traffic-path', ingress ? '-' : rng.pick(['1', '2', '7', '8']));
  v.set('pkt-src-aws-service', ingress && rng.chance(0.1) ? rng.pick(['S3', 'AMAZON', 'CLOUDFRONT']) : '-');
  v.set('pkt-dst-aws-service', !ingress && rng.chance(0.2) ? rng.pick(['S3', 'DYNAMODB', 'AMAZON']) : '-');
}

// ---------------------------------------------------------------------------------------------

const FORMAT_SPECS: Readonly<Record<SampleFormat, FormatSpec>> = {
  cloudfront: { format: 'cloudfront', gzip: true, slotMs: HOUR, resolutionMs: 1, linesPerFile: 5000, create: createCloudfront },
  s3_access: { format: 's3_access', gzip: false, slotMs: MINUTES_5, resolutionMs: 1000, linesPerFile: 500, create: createS3Access },
  alb: { format: 'alb', gzip: true, slotMs: MINUTES_5, resolutionMs: 1, linesPerFile: 2000, create: createAlb },
  elb: { format: 'elb', gzip: false, slotMs: MINUTES_5, resolutionMs: 1, linesPerFile: 2000, create: createElb },
  cloudtrail: { format: 'cloudtrail', gzip: true, slotMs: MINUTES_5, resolutionMs: 1000, linesPerFile: 250, document: true, create: createCloudtrail },
  vpc_flow: { format: 'vpc_flow', gzip: true, slotMs: MINUTES_5, resolutionMs: 1000, linesPerFile: 5000, create: createVpcFlow },
};

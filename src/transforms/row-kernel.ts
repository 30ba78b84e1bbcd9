import type { Column, ColumnType } from './schema.js';
import { ROWS_WASM_BASE64 } from './wasm/rows-wasm.js';
import { decodeBase64Into, decodedLength } from './base64.js';

/**
 * The transform's byte-level fast path: a small WebAssembly kernel (wasm/assembly/rows.ts) that
 * splits a line into field ranges and writes its JSON document straight from the UTF-8 input to
 * the UTF-8 output, copying a word at a time. In V8, moving bytes one by one through typed arrays
 * costs ~2 ns per byte and building a row from ~70 strings costs more; the kernel writes a 400-byte
 * CloudFront line's 800 bytes of JSON in a fraction of that.
 *
 * The kernel only takes what it can write exactly as the string path (`RowWriter`) would: fields
 * with nothing to escape and nothing non-ASCII, values already in the form the string writer
 * emits unchanged. It declines anything else and the line takes the string path. A property test
 * per format checks that what it writes is byte for byte what the string path makes.
 *
 * Memory (owned here, imported by the module): fixed areas for field ranges, plans and two derived
 * values, then the current record's bytes, then its output. One kernel per process; the handler
 * is synchronous, so records take turns.
 */

/** A slot of field ranges, or a derived value: `A` (a string, ASCII with nothing to escape) or `B` (ready-made JSON). */
export type KernelSource = number | 'a' | 'b' | null;

export interface KernelPlanOptions {
  /** An empty field is null, like `-` (otherwise an empty string column is `""`). */
  readonly emptyIsNull?: boolean;
}

/** A compiled column plan: where each column's value comes from and how it is written. */
export interface KernelPlan {
  readonly offset: number;
  /** Bytes a row can take beyond the line's own bytes and the derived values. */
  readonly fixedBytes: number;
}

const PAGE = 65536;
/** Field ranges: `MAX_SLOTS` pairs of u32. */
const SLOTS = 0;
/** Field slots; the two after them hold the derived values. */
export const MAX_FIELDS = 510;
const SLOT_A = MAX_FIELDS;
const SLOT_B = MAX_FIELDS + 1;
const SLOTS_BYTES = (MAX_FIELDS + 2) * 8;
const DERIVED_A = 8192;
const DERIVED_A_BYTES = 4096;
const DERIVED_B = DERIVED_A + DERIVED_A_BYTES;
const DERIVED_B_BYTES = 61440;
/** Texts a parser gives for field slots (`setText`), one line's worth at a time. */
const TEXTS = DERIVED_B + DERIVED_B_BYTES;
const TEXTS_BYTES = 65536;
const PLANS = TEXTS + TEXTS_BYTES;
const PLANS_END = 1 << 20;
const INPUT = PLANS_END;
/** Room after every area the kernel reads or writes in 8-byte words. */
const SLACK = 16;
const ABSENT = 0xffffffff;

const enum Kind {
  String = 0,
  Integer = 1,
  Decimal = 2,
  Boolean = 3,
  Date = 4,
  Json = 5,
}

function kindOf(type: ColumnType): Kind {
  switch (type) {
    case 'string':
    case 'timestamp':
      return Kind.String;
    case 'int':
    case 'bigint':
      return Kind.Integer;
    case 'float':
    case 'double':
      return Kind.Decimal;
    case 'boolean':
      return Kind.Boolean;
    case 'date':
      return Kind.Date;
    default:
      return Kind.Json;
  }
}

// The WebAssembly JS API, which this project's `lib` (no DOM) does not declare.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  splitTabs(start: number, end: number, slots: number, maxFields: number): number;
  writeRow(plan: number, slots: number, count: number, out: number): number;
}

export class RowKernel {
  private readonly memory: WasmMemory;
  private readonly exports: KernelExports;
  /** The whole memory as a Buffer. Replaced when memory grows: read it again after `load`, `reserve` and `addDocument`. */
  bytes!: Buffer;
  /** The field ranges, as (start, end) pairs; replaced with `bytes`. */
  slots!: Int32Array;
  private inputEnd = INPUT;
  private outputStart = INPUT;
  /** End of the output so far. */
  outputEnd = INPUT;
  private plansEnd = PLANS;
  private readonly plans = new WeakMap<readonly Column[], Map<string, KernelPlan | null>>();
  private derivedA: string | undefined;
  private textsEnd = TEXTS;

  constructor() {
    this.memory = new wasm.Memory({ initial: (INPUT + (1 << 20)) / PAGE });
    const module = new wasm.Module(Buffer.from(ROWS_WASM_BASE64, 'base64'));
    const instance = new wasm.Instance(module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.refresh();
  }

  /** Copies a record's bytes in and empties the output; returns where the bytes start. */
  load(source: Uint8Array, start: number, end: number): number {
    this.reserveInput(end - start);
    this.bytes.set(source.subarray(start, end), INPUT);
    this.setInput(end - start);
    return INPUT;
  }

  /**
   * Decodes a record's base64 data straight into the input (no intermediate buffer) and empties the
   * output, like `load`; returns the decoded length, or -1 when `data` is not valid base64.
   */
  loadBase64(data: string): number {
    const expected = decodedLength(data);
    if (expected < 0) return -1;
    this.reserveInput(expected);
    const length = decodeBase64Into(data, this.bytes, INPUT);
    if (length >= 0) this.setInput(length);
    return length;
  }

  /** Room for an input of `length` bytes and a first stretch of output after it (`reserve` grows it). */
  private reserveInput(length: number): void {
    this.ensure(INPUT + length + SLACK + length * 2 + PAGE);
  }

  /** The input is the `length` bytes at INPUT; the output starts empty after it. */
  private setInput(length: number): void {
    this.bytes.fill(0, INPUT + length, INPUT + length + SLACK);
    this.inputEnd = INPUT + length;
    this.outputStart = this.outputEnd = this.inputEnd + SLACK;
    this.textsEnd = TEXTS;
  }

  /** Where `load` and `loadBase64` put the record's bytes. */
  get inputStart(): number {
    return INPUT;
  }

  /** The output so far (a view, valid until the next `load`). */
  output(): Buffer {
    return this.bytes.subarray(this.outputStart, this.outputEnd);
  }

  /** Makes room for `count` more output bytes. */
  reserve(count: number): void {
    this.ensure(this.outputEnd + count + SLACK);
  }

  /** Appends a document the string path made, and its newline. */
  addDocument(json: string): void {
    this.reserve(json.length * 3 + 1);
    this.outputEnd += this.bytes.write(json, this.outputEnd, 'utf8');
    this.bytes[this.outputEnd++] = 10;
  }

  /** Splits the TAB-separated line at `bytes[start, end)` into `slots`; the field count, or -1 when the line needs the string path. */
  splitTabs(start: number, end: number, maxFields: number): number {
    return this.exports.splitTabs(start, end, SLOTS, maxFields);
  }

  /** Sets field slot `slot` to `bytes[start, end)` (for parsers that split lines themselves). */
  setRange(slot: number, start: number, end: number): void {
    this.slots[slot * 2] = start;
    this.slots[slot * 2 + 1] = end;
  }

  /**
   * Points field slot `slot` at `text` (ASCII JSON string content, e.g. a value the parser escaped)
   * instead of a range of the line; false when the line's texts do not fit (decline the line).
   * Texts last until the next `writeRow` or `load`.
   */
  setText(slot: number, text: string): boolean {
    if (this.textsEnd + text.length + SLACK > TEXTS + TEXTS_BYTES) return false;
    const written = this.bytes.write(text, this.textsEnd, 'latin1');
    this.slots[slot * 2] = this.textsEnd;
    this.slots[slot * 2 + 1] = this.textsEnd + written;
    this.textsEnd += written + SLACK;
    return true;
  }

  /** The derived string value `a` (undefined: absent). ASCII with nothing to escape; false when too long. */
  setA(text: string | undefined): boolean {
    if (text === this.derivedA) return true;
    if (text === undefined || text.length > DERIVED_A_BYTES - SLACK) {
      this.derivedA = undefined;
      this.slots[SLOT_A * 2] = ABSENT;
      return text === undefined;
    }
    const bytes = this.bytes;
    for (let i = 0; i < text.length; i++) bytes[DERIVED_A + i] = text.charCodeAt(i);
    this.slots[SLOT_A * 2] = DERIVED_A;
    this.slots[SLOT_A * 2 + 1] = DERIVED_A + text.length;
    this.derivedA = text;
    return true;
  }

  /** The derived JSON value `b` (undefined: absent); false when too long. */
  setB(json: string | undefined): boolean {
    if (json === undefined) {
      this.slots[SLOT_B * 2] = ABSENT;
      return true;
    }
    if (json.length * 3 > DERIVED_B_BYTES - SLACK) return false;
    const written = this.bytes.write(json, DERIVED_B, 'utf8');
    this.slots[SLOT_B * 2] = DERIVED_B;
    this.slots[SLOT_B * 2 + 1] = DERIVED_B + written;
    return true;
  }

  /**
   * Writes the row of the current slots (fields `0…count-1`, and `a`/`b`) after the output, with
   * its newline; false, having written nothing, when a value needs the string path. The caller
   * has reserved `plan.fixedBytes` + the line's bytes + the derived values' bytes.
   */
  writeRow(plan: KernelPlan, count: number): boolean {
    const end = this.exports.writeRow(plan.offset, SLOTS, count, this.outputEnd);
    this.textsEnd = TEXTS;
    if (end < 0) return false;
    this.outputEnd = end;
    return true;
  }

  /**
   * The plan for `columns` with values at `sources` (one per column; numbers are field slots),
   * compiled once per column list and sources; null when the plan area is full (the caller then
   * keeps to the string path).
   */
  plan(columns: readonly Column[], sources: readonly KernelSource[], options: KernelPlanOptions = {}): KernelPlan | null {
    if (sources.length !== columns.length) throw new Error(`expected ${columns.length} value sources, got ${sources.length}`);
    const key = `${options.emptyIsNull ? 'e' : ''}:${sources.join(',')}`;
    let cache = this.plans.get(columns);
    if (cache === undefined) {
      cache = new Map();
      this.plans.set(columns, cache);
    }
    let plan = cache.get(key);
    if (plan === undefined) {
      plan = this.compilePlan(columns, sources, options);
      cache.set(key, plan);
    }
    return plan;
  }

  private compilePlan(columns: readonly Column[], sources: readonly KernelSource[], options: KernelPlanOptions): KernelPlan | null {
    const used = columns.map((column, i) => ({ column, source: sources[i] })).filter((c) => c.source !== null);
    const keys = used.map(({ column }) => {
      const kind = kindOf(column.type);
      if (!/^[\x20-\x7e]+$/.test(column.name) || /["\\]/.test(column.name)) throw new Error(`column name needs escaping: ${column.name}`);
      return Buffer.from(`,"${column.name}":${kind === Kind.String || kind === Kind.Date ? '"' : ''}`, 'latin1');
    });
    const headerBytes = 12 + used.length * 16;
    const keyBytes = keys.reduce((sum, k) => sum + k.length, 0);
    const offset = this.plansEnd;
    if (offset + headerBytes + keyBytes + SLACK > PLANS_END) return null;
    const view = new DataView(this.memory.buffer);
    view.setUint32(offset, used.length, true);
    view.setUint32(offset + 4, options.emptyIsNull ? 1 : 0, true);
    view.setUint32(offset + 8, MAX_FIELDS, true);
    let keyAt = offset + headerBytes;
    used.forEach(({ column, source }, i) => {
      const slot = source === 'a' ? SLOT_A : source === 'b' ? SLOT_B : (source as number);
      if (slot < 0 || slot > SLOT_B) throw new Error(`slot out of range: ${slot}`);
      const at = offset + 12 + i * 16;
      view.setUint32(at, slot, true);
      view.setUint32(at + 4, kindOf(column.type), true);
      view.setUint32(at + 8, keyAt, true);
      view.setUint32(at + 12, keys[i].length, true);
      this.bytes.set(keys[i], keyAt);
      keyAt += keys[i].length;
    });
    this.plansEnd = keyAt + SLACK;
    // Keys, a closing quote per column, `{`…`}` and the newline.
    return { offset, fixedBytes: keyBytes + used.length + 3 };
  }

  private ensure(size: number): void {
    const have = this.memory.buffer.byteLength;
    if (size <= have) return;
    const pages = Math.ceil((Math.max(size, have * 2) - have) / PAGE);
    this.memory.grow(pages);
    this.refresh();
  }

  private refresh(): void {
    this.bytes = Buffer.from(this.memory.buffer);
    this.slots = new Int32Array(this.memory.buffer, SLOTS, SLOTS_BYTES / 4);
  }
}

let shared: RowKernel | undefined;

/** The process's kernel, created on first use. */
export function rowKernel(): RowKernel {
  shared ??= new RowKernel();
  return shared;
}

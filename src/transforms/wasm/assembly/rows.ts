// AssemblyScript source of the row kernel (compiled by `npm run build:wasm` into ../rows-wasm.ts).
// The JavaScript side (../../row-kernel.ts) owns the memory layout; these functions only compute.
//
// A field range is a pair of u32 (start, end) at `slots + 8 * index`. A plan is u32 words:
// [columns, emptyIsNull, fieldSlots], then per column [slot, kind, keyOffset, keyLength].
// Slots below `fieldSlots` are fields (null when >= count); slots from `fieldSlots` on are values
// the caller derived, absent when their start is 0xffffffff.

const KIND_STRING: u32 = 0;
const KIND_INTEGER: u32 = 1;
const KIND_DECIMAL: u32 = 2;
const KIND_BOOLEAN: u32 = 3;
const KIND_DATE: u32 = 4;
const KIND_JSON: u32 = 5;

const MAX_DECIMAL_BYTES: u32 = 40;
const MAX_INTEGER_BYTES: u32 = 20;

/**
 * Splits the TAB-separated line [start, end) into at most `maxFields` fields (later ones are
 * ignored), storing their ranges. Returns the number of fields, or -1 when some byte is a control
 * character other than TAB, `"`, `\` or not printable ASCII: such lines take the string path.
 */
export function splitTabs(start: u32, end: u32, slots: u32, maxFields: u32): i32 {
  let field: u32 = 0;
  let fieldStart = start;
  for (let i = start; i < end; i++) {
    const c = load<u8>(i);
    if (c < 35) {
      if (c == 9) {
        if (field < maxFields) {
          store<u32>(slots + (field << 3), fieldStart);
          store<u32>(slots + (field << 3) + 4, i);
          field++;
        }
        fieldStart = i + 1;
      } else if (c < 32 || c == 34) {
        return -1;
      }
    } else if (c == 92 || c > 126) {
      return -1;
    }
  }
  if (field < maxFields) {
    store<u32>(slots + (field << 3), fieldStart);
    store<u32>(slots + (field << 3) + 4, end);
    field++;
  }
  return field as i32;
}

/**
 * Writes one row's JSON document and a newline at `out` following `plan`; returns the offset after
 * it, or -1 when a value is not in the form the string writer emits unchanged (the caller then
 * takes the string path; nothing written counts). Copies in 8-byte words, so it may write up to 7
 * bytes past what it returns and read up to 7 bytes past a range: the caller leaves that room.
 */
export function writeRow(plan: u32, slots: u32, count: u32, out: u32): i32 {
  const columns = load<u32>(plan);
  const emptyIsNull = load<u32>(plan + 4) != 0;
  const fieldSlots = load<u32>(plan + 8);
  let o = out;
  let column = plan + 12;
  const last = column + (columns << 4);
  for (; column < last; column += 16) {
    const slot = load<u32>(column);
    if (slot == 0xffffffff) continue;
    if (slot < fieldSlots && slot >= count) continue;
    let p = load<u32>(slots + (slot << 3));
    const e = load<u32>(slots + (slot << 3) + 4);
    if (p == 0xffffffff) continue;
    if (e == p) {
      if (emptyIsNull) continue;
    } else if (e == p + 1 && load<u8>(p) == 45) {
      continue;
    }
    const kind = load<u32>(column + 4);
    if (kind == KIND_INTEGER) {
      p = integerStart(p, e);
      if (p == 0xffffffff) return -1;
    } else if (kind == KIND_DECIMAL) {
      if (!isCanonicalDecimal(p, e)) return -1;
    } else if (kind == KIND_DATE) {
      if (!isIsoDate(p, e)) return -1;
    } else if (kind == KIND_BOOLEAN) {
      if (!isBoolean(p, e)) return -1;
    }
    const keyLength = load<u32>(column + 12);
    copy(o, load<u32>(column + 8), keyLength);
    o += keyLength;
    copy(o, p, e - p);
    o += e - p;
    if (kind == KIND_STRING || kind == KIND_DATE) {
      store<u8>(o, 34);
      o++;
    }
  }
  if (o == out) {
    store<u8>(o, 123);
    store<u8>(o + 1, 125);
    store<u8>(o + 2, 10);
    return (o + 3) as i32;
  }
  store<u8>(out, 123);
  store<u8>(o, 125);
  store<u8>(o + 1, 10);
  return (o + 2) as i32;
}

// @ts-ignore: decorator
@inline function copy(to: u32, from: u32, length: u32): void {
  let i: u32 = 0;
  for (; i + 8 <= length; i += 8) store<u64>(to + i, load<u64>(from + i));
  if (i < length) store<u64>(to + i, load<u64>(from + i));
}

// @ts-ignore: decorator
@inline function isDigit(c: u32): bool {
  return c - 48 < 10;
}

/** Where the JSON number of an integer as logged starts (past leading zeros), or 0xffffffff. */
function integerStart(p: u32, e: u32): u32 {
  const length = e - p;
  if (length < 1 || length > MAX_INTEGER_BYTES) return 0xffffffff;
  if (load<u8>(p) == 45) {
    // Negative: only -0 and -[1-9][0-9]{0,18} are written as logged.
    if (length < 2) return 0xffffffff;
    if (load<u8>(p + 1) == 48) return length == 2 ? p : 0xffffffff;
    for (let i = p + 1; i < e; i++) if (!isDigit(load<u8>(i))) return 0xffffffff;
    return p;
  }
  for (let i = p; i < e; i++) if (!isDigit(load<u8>(i))) return 0xffffffff;
  let first = p;
  while (first < e - 1 && load<u8>(first) == 48) first++;
  return first;
}

/** -?(0|[1-9][0-9]*)(\.[0-9]+)? of at most 40 bytes. */
function isCanonicalDecimal(p: u32, e: u32): bool {
  if (e - p > MAX_DECIMAL_BYTES) return false;
  let i = load<u8>(p) == 45 ? p + 1 : p;
  if (i >= e) return false;
  if (load<u8>(i) == 48) {
    i++;
  } else {
    if (!isDigit(load<u8>(i))) return false;
    while (i < e && isDigit(load<u8>(i))) i++;
  }
  if (i == e) return true;
  if (load<u8>(i) != 46 || i + 1 == e) return false;
  for (i++; i < e; i++) if (!isDigit(load<u8>(i))) return false;
  return true;
}

/** YYYY-MM-DD with a plausible month and day. */
function isIsoDate(p: u32, e: u32): bool {
  if (e - p != 10 || load<u8>(p + 4) != 45 || load<u8>(p + 7) != 45) return false;
  for (let i: u32 = 0; i < 10; i++) if (i != 4 && i != 7 && !isDigit(load<u8>(p + i))) return false;
  const month = (load<u8>(p + 5) - 48) * 10 + load<u8>(p + 6) - 48;
  const day = (load<u8>(p + 8) - 48) * 10 + load<u8>(p + 9) - 48;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

function isBoolean(p: u32, e: u32): bool {
  if (e - p == 4) return load<u8>(p) == 116 && load<u8>(p + 1) == 114 && load<u8>(p + 2) == 117 && load<u8>(p + 3) == 101;
  return e - p == 5 && load<u8>(p) == 102 && load<u8>(p + 1) == 97 && load<u8>(p + 2) == 108 && load<u8>(p + 3) == 115 && load<u8>(p + 4) == 101;
}

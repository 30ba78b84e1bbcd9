/**
 * Strict standard base64 (Firehose's alphabet, padded). Node's decoder skips characters outside
 * the alphabet, so a decoded length short of what the text length implies reveals them — without
 * a regex pass over megabytes of data; '-' and '_' (base64url) decode too, so they are looked for.
 */

/** The decoded size `data` implies, or -1 when its length or padding cannot be base64. */
export function decodedLength(data: string): number {
  if (data.length % 4 !== 0) return -1;
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return (data.length / 4) * 3 - padding;
}

function isUrlSafeAlphabet(data: string): boolean {
  return data.indexOf('-') >= 0 || data.indexOf('_') >= 0;
}

/** Decodes standard base64 into `target` (a new buffer by default), or undefined when `data` is not valid base64. */
export function decodeBase64(data: string, target?: (size: number) => Buffer): Buffer | undefined {
  const expected = decodedLength(data);
  if (expected < 0) return undefined;
  const bytes = target?.(expected) ?? Buffer.allocUnsafe(expected);
  return decodeBase64Into(data, bytes, 0) === expected ? bytes : undefined;
}

/**
 * Decodes standard base64 into `target` at `offset` (which must have room for `decodedLength(data)`
 * bytes) without allocating; returns the decoded length, or -1 when `data` is not valid base64.
 */
export function decodeBase64Into(data: string, target: Buffer, offset: number): number {
  const expected = decodedLength(data);
  if (expected < 0) return -1;
  const written = target.write(data, offset, expected, 'base64');
  return written === expected && !isUrlSafeAlphabet(data) ? written : -1;
}

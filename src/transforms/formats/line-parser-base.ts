import { LineKind } from '../format.js';
import { errorRowJson } from '../row-writer.js';

/**
 * The result fields every line parser exposes (overwritten by each `parse`, so the hot path
 * allocates no result objects) and the two ways a line ends up not being a row.
 */
export abstract class LineParserBase {
  json = '';
  timestamp = '';
  dt = '';
  hour = '';
  error = '';

  /** An error row keeping the raw line, with the event time when it was readable. */
  protected fail(line: string, error: string): LineKind {
    this.error = error;
    this.json = errorRowJson(line, error, this.timestamp || undefined);
    return LineKind.Error;
  }

  /** A header, comment or blank line: counted, not a row. */
  protected skip(reason: string): LineKind {
    this.error = reason;
    return LineKind.Skip;
  }
}

/** Empty, or only spaces/tabs/CR (a CRLF file split on LF). */
export function isBlankLine(line: string): boolean {
  if (line.length === 0) return true;
  const c = line.charCodeAt(0);
  if (c !== 32 && c !== 9 && c !== 13) return false;
  return line.trim() === '';
}

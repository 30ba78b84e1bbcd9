import type { Writable } from 'node:stream';

/**
 * Buffered writing to stdout with back-pressure; a closed pipe (`loghose parse … | head`) ends
 * the output quietly instead of crashing.
 */
export class LineWriter {
  private chunk = '';
  private closed = false;

  constructor(
    private readonly out: Writable = process.stdout,
    private readonly chunkChars = 1 << 16,
  ) {
    out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closed = true;
      else throw error;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async line(text: string): Promise<void> {
    this.chunk += `${text}\n`;
    if (this.chunk.length >= this.chunkChars) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.chunk.length === 0 || this.closed) {
      this.chunk = '';
      return;
    }
    const text = this.chunk;
    this.chunk = '';
    if (!this.out.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.out.off('drain', done);
          this.out.off('close', done);
          this.out.off('error', done);
          resolve();
        };
        this.out.once('drain', done);
        this.out.once('close', done);
        this.out.once('error', done);
      });
    }
  }
}

/** Human-readable byte size. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A plain text table (for terminal output). */
export function textTable(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  if (rows.length === 0) return '(no rows)';
  const names = columns ?? Object.keys(rows[0]);
  const cells = rows.map((row) => names.map((n) => cellText(row[n])));
  const widths = names.map((n, i) => Math.min(60, Math.max(n.length, ...cells.map((c) => c[i].length))));
  const line = (values: readonly string[]) =>
    values.map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(names), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

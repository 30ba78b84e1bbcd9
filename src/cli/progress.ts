import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr when it is a terminal; silent otherwise (CI, pipes, --json).
 * With byte counts (`start(total, unit, totalBytes)`, `increment(by, note, bytes)`) it also shows
 * MB/s and estimates the time left from bytes rather than items.
 */
export interface Progress {
  start(total: number, unit: string, totalBytes?: number): void;
  increment(by: number, note?: string, bytes?: number): void;
  stop(): void;
}

export function createProgress(enabled = process.stderr.isTTY === true): Progress {
  if (!enabled) return { start: () => undefined, increment: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {bar} {percentage}% | {value}/{total} {unit} | {rate} | ETA {eta_text} | {note}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = 0;
  let done = 0;
  let total = 0;
  let unit = '';
  let bytesDone = 0;
  let bytesTotal: number | undefined;
  return {
    start(count, unitName, totalBytes) {
      started = performance.now();
      total = count;
      unit = unitName;
      bytesTotal = totalBytes;
      bar.start(count, 0, { unit, rate: '', note: '', eta_text: '' });
    },
    increment(by, note = '', bytes) {
      done += by;
      if (bytes !== undefined) bytesDone += bytes;
      const seconds = (performance.now() - started) / 1000;
      const rates: string[] = [];
      if (seconds > 0) {
        rates.push(`${(done / seconds).toFixed(1)} ${unit}/s`);
        if (bytesTotal !== undefined) rates.push(`${(bytesDone / seconds / 1e6).toFixed(2)} MB/s`);
      }
      let left: number | undefined;
      if (seconds > 0 && bytesTotal !== undefined && bytesDone > 0) left = ((bytesTotal - bytesDone) * seconds) / bytesDone;
      else if (seconds > 0 && done > 0) left = ((total - done) * seconds) / done;
      bar.increment(by, {
        note: note.length > 40 ? `…${note.slice(-39)}` : note,
        rate: rates.join(', '),
        eta_text: left === undefined ? '' : formatDuration(left),
      });
    },
    stop() {
      bar.stop();
    },
  };
}

/** `1h02m`, `3m05s`, `42s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

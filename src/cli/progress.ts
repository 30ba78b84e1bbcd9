import cliProgress from 'cli-progress';

/** A progress bar on stderr when it is a terminal; silent otherwise (CI, pipes, --json). */
export interface Progress {
  start(total: number, unit: string): void;
  increment(by: number, note?: string): void;
  stop(): void;
}

export function createProgress(enabled = process.stderr.isTTY === true): Progress {
  if (!enabled) return { start: () => undefined, increment: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {bar} {percentage}% | {value}/{total} {unit} | {rate} | ETA {eta_formatted} | {note}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = 0;
  let done = 0;
  return {
    start(total, unit) {
      started = performance.now();
      bar.start(total, 0, { unit, rate: '', note: '' });
    },
    increment(by, note = '') {
      done += by;
      const seconds = (performance.now() - started) / 1000;
      bar.increment(by, { note: note.length > 40 ? `…${note.slice(-39)}` : note, rate: seconds > 0 ? `${(done / seconds).toFixed(1)}/s` : '' });
    },
    stop() {
      bar.stop();
    },
  };
}

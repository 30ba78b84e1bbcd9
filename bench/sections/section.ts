import type { BenchData } from '../lib/data.js';
import type { SectionResult } from '../lib/report.js';
import type { Rep } from '../lib/timing.js';

export interface BenchContext {
  readonly data: BenchData;
  /** Smaller data and fewer repetitions (`--quick`): a smoke run, not figures to quote. */
  readonly quick: boolean;
  /** Scratch directory for outputs (Parquet files), under bench/out/. */
  readonly outDir: string;
  /** Figures shared between sections (`parse.cloudfront.linesPerSecond`, …), e.g. for the targets. */
  readonly metrics: Map<string, number>;
  /** `--compare DIR`: another copy of src/transforms to measure next to this one (parse section). */
  readonly compareDir?: string;
  log(message: string): void;
}

/** One part of the benchmark: measures something and reports it as a table. Never asserts. */
export interface Section {
  readonly id: string;
  readonly title: string;
  run(context: BenchContext): Promise<SectionResult>;
}

/** Per-second rates of a repetition, by CPU time (the headline: robust to other load) and by wall clock. */
export function rates(count: number, rep: Rep): { cpu: number; wall: number } {
  return { cpu: count / (rep.cpuMs / 1000), wall: count / (rep.wallMs / 1000) };
}

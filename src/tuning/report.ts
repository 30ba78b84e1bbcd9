import { COST_ITEMS, type CostBreakdown } from './cost-model.js';
import type { GridPoint } from './grid.js';
import type { TuningReport } from './tuning.js';

/** The tuning report as rows (for the text table, the HTML table and the chart) and as text. */

const MiB = 1024 * 1024;

export const COST_LABELS: Readonly<Record<(typeof COST_ITEMS)[number], string>> = {
  ingestion: 'ingestion (5 KB records)',
  formatConversion: 'format conversion',
  partitioningPerGB: 'dynamic partitioning / GB',
  partitioningPerObject: 'dynamic partitioning / object',
  s3Puts: 'S3 PUT',
  lambdaCompute: 'Lambda GB-s',
  lambdaRequests: 'Lambda requests',
  athenaPerFile: 'Athena per-file GETs',
};

export function mib(bytes: number, digits = 1): string {
  return (bytes / MiB).toFixed(digits);
}

export function usd(value: number): string {
  if (value !== 0 && Math.abs(value) < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function whole(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function boundOf(point: GridPoint): string {
  if (point.objects === 0) return '-';
  if (point.sizeBoundShare >= 0.9) return 'size';
  if (point.sizeBoundShare <= 0.1) return 'interval';
  return `mixed ${Math.round(point.sizeBoundShare * 100)}%`;
}

/** One row per grid point, in grid order; the recommended setting is marked. */
export function pointRows(report: TuningReport): Record<string, string>[] {
  return report.points.map((p) => ({
    '': p.label === report.advice.best.label ? '*' : p.label === report.advice.bestHourly.label ? '+' : '',
    setting: p.label,
    bound: boundOf(p),
    'files/day': whole(p.objectsPerDay),
    'JSON MiB p50': mib(p.jsonBytes.p50),
    'JSON p90': mib(p.jsonBytes.p90),
    'JSON max': mib(p.jsonBytes.max),
    'Parquet MiB p50': mib(p.parquetBytes.p50, 2),
    'latency s p50': whole(p.latencySeconds.p50),
    'latency p99': whole(p.latencySeconds.p99),
    'peak partitions': String(p.peakActivePartitions),
    'λ calls/day': whole(p.lambda.invocationsPerDay),
    'λ response MiB max': mib(p.lambda.responseBytes.max, 2),
    '$/month': usd(p.cost.total),
  }));
}

export function costRows(cost: CostBreakdown): { item: string; 'USD/month': string }[] {
  return [...COST_ITEMS.map((item) => ({ item: COST_LABELS[item], 'USD/month': usd(cost[item]) })), { item: 'total', 'USD/month': usd(cost.total) }];
}

export function streamRows(report: TuningReport): Record<string, string>[] {
  return report.input.streams.map((s) => ({
    table: s.table,
    records: whole(s.records),
    lines: s.lines === undefined ? '' : whole(s.lines),
    'MB sent': (s.bytes / 1e6).toFixed(2),
    'MB billed': (s.billedBytes / 1e6).toFixed(2),
    'JSON ×': s.expansionMean.toFixed(2),
    'max ×': s.expansionMax.toFixed(2),
    'Parquet/JSON': s.parquetRatio === undefined ? '' : s.parquetRatio.toFixed(3),
  }));
}

/** A plain text table (the CLI's own `textTable` lives in cli/, which tuning does not import). */
export function table(rows: readonly Record<string, string>[]): string {
  if (rows.length === 0) return '(no rows)';
  const names = Object.keys(rows[0]);
  const widths = names.map((n) => Math.max(n.length, ...rows.map((r) => r[n].length)));
  const numeric = names.map((n) => rows.every((r) => /^[$\d.,-]*%?$/.test(r[n])));
  const line = (cells: readonly string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(names), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(names.map((n) => r[n])))].join('\n');
}

export function headline(report: TuningReport): string {
  const { input } = report;
  const duration = input.days >= 1 ? `${input.days.toFixed(2)} days` : `${(input.days * 24).toFixed(2)} h`;
  const scale = input.scale === 1 ? '' : `, traffic × ${input.scale}`;
  return `${input.source} traffic of ${input.streams.length} stream(s) over ${duration} (${input.start} → ${input.end})${scale}; monthly figures = window × ${input.monthFactor.toFixed(1)} (30 days)`;
}

export function renderText(report: TuningReport): string {
  const { advice, processor } = report;
  const best = advice.best;
  const out: string[] = [];
  out.push(headline(report));
  for (const note of report.input.notes) out.push(`  ${note}`);
  out.push('', table(streamRows(report)), '');
  out.push(
    `processor simulated: ${processor.bufferSizeMiB} MiB / ${processor.bufferIntervalSeconds} s, Lambda ${processor.memoryMiB} MiB ` +
      `(safe maximum ${processor.advice.bufferSizeMiB} MiB at ${processor.advice.expansion.toFixed(2)}× worst expansion: a full batch answers ≤ ${mib(processor.advice.worstResponseBytes, 2)} MiB of the ${mib(processor.advice.limitBytes, 2)} MiB limit)`,
  );
  out.push(`constraints: latency p99 ≤ ${report.constraints.maxLatencySeconds} s, median file ≥ ${report.constraints.minFileMiB} MiB (Parquet)`);
  out.push('latency is the buffering rule itself; AWS notes that with dynamic partitioning delivery can take up to 1.5× the interval', '');
  out.push(table(pointRows(report)));
  const overflowing = report.points.filter((p) => p.exceededRecords > 0);
  if (overflowing.length > 0) {
    out.push(
      `  ${overflowing.length} setting(s) need more than ${report.maxActivePartitions} active partitions (records would go to activePartitionExceeded): ${overflowing.map((p) => p.label).join(', ')}`,
    );
  }
  out.push('  * recommended' + (advice.best.label !== advice.bestHourly.label ? '   + best with hour partitions (the config snippet)' : ''), '');
  out.push(
    `recommended: ${best.label} — ${usd(best.cost.total)}/month, latency p50 ${whole(best.latencySeconds.p50)} s / p99 ${whole(best.latencySeconds.p99)} s, ` +
      `${whole(best.objectsPerDay)} files/day, median file ${mib(best.jsonBytes.p50)} MiB JSON ≈ ${mib(best.parquetBytes.p50, 2)} MiB Parquet`,
  );
  for (const note of advice.notes) out.push(`  ${note}`);
  out.push('', 'monthly cost of the recommendation:', table(costRows(best.cost)), '');
  out.push('loghose.config.json:', JSON.stringify(advice.snippet, null, 2));
  return `${out.join('\n')}\n`;
}

/** The report as JSON-ready data. */
export function reportJson(report: TuningReport): unknown {
  return {
    input: report.input,
    constraints: report.constraints,
    maxActivePartitions: report.maxActivePartitions,
    processor: report.processor,
    assumptions: report.assumptions,
    recommendation: {
      setting: report.advice.best.setting,
      hourly: report.advice.bestHourly.setting,
      meetsLatency: report.advice.meetsLatency,
      meetsFileFloor: report.advice.meetsFileFloor,
      notes: report.advice.notes,
      cost: report.advice.best.cost,
      snippet: report.advice.snippet,
    },
    points: report.points,
  };
}

/**
 * What a benchmark section reports: one small table each, printed to the terminal and written to
 * bench/RESULTS.md. Sections never assert; a target is reported as PASS/FAIL next to the figure.
 */

export interface SectionResult {
  /** Stable id (`parse`, `handler`, …), also what `--only` selects. */
  readonly id: string;
  readonly title: string;
  /** What exactly is timed, how, and on what data. */
  readonly method: readonly string[];
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Anything worth knowing about the figures (errors included: a failed section still reports). */
  readonly notes: readonly string[];
}

/** `1234567` → `1.23M`, `45678` → `45.7k`. */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toPrecision(3)}k`;
  return n.toPrecision(3);
}

export function fixed(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

export function mb(bytes: number): number {
  return bytes / 1e6;
}

export function textTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function markdownTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string): string => (cell ?? '').replace(/\|/g, '\\|');
  return [
    `| ${columns.map(escape).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${columns.map((_, i) => escape(r[i] ?? '')).join(' | ')} |`),
  ].join('\n');
}

export function printSection(section: SectionResult): void {
  console.log(`\n== ${section.title}`);
  console.log(textTable(section.columns, section.rows));
  for (const note of section.notes) console.log(`  * ${note}`);
}

export function sectionMarkdown(section: SectionResult): string {
  const parts = [`## ${section.title}`, ''];
  if (section.method.length > 0) parts.push(...section.method.map((m) => `- ${m}`), '');
  parts.push(markdownTable(section.columns, section.rows), '');
  if (section.notes.length > 0) parts.push(...section.notes.map((n) => `- ${n}`), '');
  return parts.join('\n');
}

import type { GridPoint } from './grid.js';
import { costRows, headline, pointRows, renderText, usd, whole } from './report.js';
import type { TuningReport } from './tuning.js';

/**
 * The tuning chart, hand-written SVG (no chart library): on the left, delivery latency (p99)
 * against monthly cost, one point per setting (colour: partition granularity, size: buffer size,
 * ringed: the recommendation, dashed: the latency limit); on the right, files per day per setting.
 * `.html` wraps the SVG with the report's tables.
 */

const WIDTH = 1000;
const HEIGHT = 480;
const COLORS = { hour: '#1f77b4', day: '#e6730b' } as const;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) max = min + 1;
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks = [Number((Math.floor(min / step) * step).toPrecision(12))];
  while (ticks[ticks.length - 1] < max - step * 1e-9) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function fmt(n: number): string {
  return Number(n.toFixed(2)).toString();
}

/** Decimals that print every tick exactly. */
function decimalsFor(ticks: readonly number[]): number {
  for (let d = 0; d < 6; d++) if (ticks.every((t) => Math.abs(Number(t.toFixed(d)) - t) < 1e-9)) return d;
  return 6;
}

function tickLabel(value: number, decimals: number, money: boolean): string {
  const text = value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  return money ? `$${text}` : text;
}

function pointTitle(p: GridPoint): string {
  return `${p.label}: ${usd(p.cost.total)}/month, latency p99 ${whole(p.latencySeconds.p99)} s, ${whole(p.objectsPerDay)} files/day`;
}

export function renderSvg(report: TuningReport): string {
  const points = report.points;
  const best = report.advice.best.label;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(`loghose tune: ${headline(report)}`)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
  );

  // Left: latency p99 against monthly cost.
  const left = { x: 70, y: 40, w: 400, h: 360 };
  const costs = points.map((p) => p.cost.total);
  let minCost = Math.min(...costs);
  let maxCost = Math.max(...costs);
  const pad = Math.max((maxCost - minCost) * 0.08, maxCost * 0.01, 0.01);
  minCost = Math.max(0, minCost - pad);
  maxCost += pad;
  const xTicks = niceTicks(minCost, maxCost);
  const x0 = xTicks[0];
  const x1 = xTicks[xTicks.length - 1];
  const maxLatency = Math.max(report.constraints.maxLatencySeconds, ...points.map((p) => p.latencySeconds.p99)) * 1.05;
  const yTicks = niceTicks(0, maxLatency);
  const y1 = yTicks[yTicks.length - 1];
  const sx = (v: number) => left.x + ((v - x0) / (x1 - x0 || 1)) * left.w;
  const sy = (v: number) => left.y + left.h - (v / (y1 || 1)) * left.h;
  parts.push(`<g class="latency-vs-cost">`);
  parts.push(`<text x="${left.x + left.w / 2}" y="${left.y - 18}" text-anchor="middle" font-size="13" font-weight="bold">Delivery latency (p99) vs monthly cost</text>`);
  for (const t of yTicks) {
    parts.push(`<line x1="${left.x}" x2="${left.x + left.w}" y1="${fmt(sy(t))}" y2="${fmt(sy(t))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left.x - 6}" y="${fmt(sy(t) + 4)}" text-anchor="end">${tickLabel(t, decimalsFor(yTicks), false)}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<line x1="${fmt(sx(t))}" x2="${fmt(sx(t))}" y1="${left.y}" y2="${left.y + left.h}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${fmt(sx(t))}" y="${left.y + left.h + 16}" text-anchor="middle">${tickLabel(t, decimalsFor(xTicks), true)}</text>`);
  }
  parts.push(`<rect x="${left.x}" y="${left.y}" width="${left.w}" height="${left.h}" fill="none" stroke="#888"/>`);
  const limitY = sy(report.constraints.maxLatencySeconds);
  parts.push(
    `<line x1="${left.x}" x2="${left.x + left.w}" y1="${fmt(limitY)}" y2="${fmt(limitY)}" stroke="#c00" stroke-dasharray="5,4"/>`,
    `<text x="${left.x + left.w - 4}" y="${fmt(Math.min(limitY + 14, left.y + left.h - 4))}" text-anchor="end" fill="#c00">max latency ${report.constraints.maxLatencySeconds} s</text>`,
  );
  parts.push(`<text x="${left.x + left.w / 2}" y="${left.y + left.h + 34}" text-anchor="middle">USD per month</text>`);
  parts.push(`<text transform="translate(${left.x - 48} ${left.y + left.h / 2}) rotate(-90)" text-anchor="middle">seconds (arrival → object delivered)</text>`);
  // Larger circles first, so settings that land on the same spot all stay visible.
  for (const p of [...points].sort((a, b) => b.setting.sizeMiB - a.setting.sizeMiB)) {
    const r = 3 + p.setting.sizeMiB / 32;
    const cx = fmt(sx(p.cost.total));
    const cy = fmt(sy(p.latencySeconds.p99));
    parts.push(
      `<circle class="point" cx="${cx}" cy="${cy}" r="${fmt(r)}" fill="${COLORS[p.setting.granularity]}" fill-opacity="0.6" stroke="${COLORS[p.setting.granularity]}" ` +
        `data-setting="${escapeXml(p.label)}" data-cost="${p.cost.total.toFixed(4)}" data-latency-p99="${p.latencySeconds.p99.toFixed(1)}" data-files-per-day="${p.objectsPerDay.toFixed(1)}">` +
        `<title>${escapeXml(pointTitle(p))}</title></circle>`,
    );
    if (p.label === best) {
      parts.push(`<circle cx="${cx}" cy="${cy}" r="${fmt(r + 5)}" fill="none" stroke="#000" stroke-width="1.5"/>`);
      const onRight = sx(p.cost.total) < left.x + left.w * 0.55;
      const tx = onRight ? sx(p.cost.total) + r + 8 : sx(p.cost.total) - r - 8;
      const ty = Math.max(left.y + 12, sy(p.latencySeconds.p99) - r - 4);
      parts.push(`<text x="${fmt(tx)}" y="${fmt(ty)}" text-anchor="${onRight ? 'start' : 'end'}" font-weight="bold">${escapeXml(`recommended: ${p.label}`)}</text>`);
    }
  }
  parts.push(`</g>`);

  // Right: files per day per setting.
  const right = { x: 560, y: 40, w: 420, h: 330 };
  const maxFiles = Math.max(1, ...points.map((p) => p.objectsPerDay));
  const fTicks = niceTicks(0, maxFiles);
  const f1 = fTicks[fTicks.length - 1];
  const fy = (v: number) => right.y + right.h - (v / f1) * right.h;
  const barW = right.w / points.length;
  parts.push(`<g class="files-per-day">`);
  parts.push(`<text x="${right.x + right.w / 2}" y="${right.y - 18}" text-anchor="middle" font-size="13" font-weight="bold">Files per day (objects written to S3)</text>`);
  for (const t of fTicks) {
    parts.push(`<line x1="${right.x}" x2="${right.x + right.w}" y1="${fmt(fy(t))}" y2="${fmt(fy(t))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${right.x - 6}" y="${fmt(fy(t) + 4)}" text-anchor="end">${tickLabel(t, decimalsFor(fTicks), false)}</text>`);
  }
  points.forEach((p, i) => {
    const x = right.x + i * barW;
    const top = fy(p.objectsPerDay);
    parts.push(
      `<rect class="bar" x="${fmt(x + 1)}" y="${fmt(top)}" width="${fmt(Math.max(1, barW - 2))}" height="${fmt(right.y + right.h - top)}" fill="${COLORS[p.setting.granularity]}" ` +
        `fill-opacity="${p.label === best ? 1 : 0.55}" stroke="${p.label === best ? '#000' : 'none'}" data-setting="${escapeXml(p.label)}" data-files-per-day="${p.objectsPerDay.toFixed(1)}">` +
        `<title>${escapeXml(pointTitle(p))}</title></rect>`,
    );
    const lx = fmt(x + barW / 2 + 3);
    const ly = right.y + right.h + 6;
    parts.push(`<text transform="translate(${lx} ${ly}) rotate(-70)" text-anchor="end" font-size="8">${p.setting.sizeMiB}/${p.setting.intervalSeconds}</text>`);
  });
  parts.push(`<rect x="${right.x}" y="${right.y}" width="${right.w}" height="${right.h}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${right.x + right.w / 2}" y="${right.y + right.h + 50}" text-anchor="middle">buffer MiB / interval s</text>`);
  parts.push(`</g>`);

  // Legend.
  const ly = HEIGHT - 22;
  parts.push(
    `<g class="legend">`,
    `<circle cx="80" cy="${ly}" r="6" fill="${COLORS.hour}" fill-opacity="0.6"/><text x="92" y="${ly + 4}">hour partitions</text>`,
    `<circle cx="200" cy="${ly}" r="6" fill="${COLORS.day}" fill-opacity="0.6"/><text x="212" y="${ly + 4}">day partitions</text>`,
    `<text x="310" y="${ly + 4}">point size: buffer 64 / 96 / 128 MiB; ringed: recommended</text>`,
    `</g>`,
  );
  parts.push(`</svg>`);
  return `${parts.join('\n')}\n`;
}

function htmlTable(rows: readonly Record<string, string>[]): string {
  if (rows.length === 0) return '';
  const names = Object.keys(rows[0]);
  const head = `<tr>${names.map((n) => `<th>${escapeXml(n)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr${r[''] === '*' ? ' class="recommended"' : ''}>${names.map((n) => `<td>${escapeXml(r[n])}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n${head}\n${body}\n</table>`;
}

export function renderHtml(report: TuningReport): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>loghose tune</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 12px; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
th { background: #f4f4f4; }
tr.recommended td { background: #fff3c4; font-weight: bold; }
pre { background: #f6f6f6; padding: 1em; }
</style>
</head>
<body>
<h1>loghose tune</h1>
<p>${escapeXml(headline(report))}</p>
${renderSvg(report)}
<h2>Settings</h2>
${htmlTable(pointRows(report))}
<h2>Monthly cost of the recommendation (${escapeXml(report.advice.best.label)})</h2>
${htmlTable(costRows(report.advice.best.cost))}
<h2>Report</h2>
<pre>${escapeXml(renderText(report))}</pre>
</body>
</html>
`;
}

/** The chart for a file name: `.svg` or `.html`; undefined for another extension. */
export function renderChart(report: TuningReport, file: string): string | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.svg')) return renderSvg(report);
  if (lower.endsWith('.html') || lower.endsWith('.htm')) return renderHtml(report);
  return undefined;
}

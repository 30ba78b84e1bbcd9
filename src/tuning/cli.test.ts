import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { runTuneCommand, tableOfStream } from '../cli/commands/tune.js';
import { buildProgram } from '../cli/main.js';
import { generateSamples } from '../local/sample-logs.js';
import { escapeXml, niceTicks, renderHtml, renderSvg } from './chart.js';
import type { TuningReport } from './tuning.js';

/** `loghose tune` on generated sample logs: text, JSON, charts, and its errors. */

let root: string;
let logs: string;
let report: TuningReport;
let text: string;
const config = parseConfig({});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loghose-tune-cli-'));
  logs = join(root, 'logs');
  await generateSamples({ dir: logs, formats: ['alb', 'cloudfront'], start: new Date(Date.UTC(2026, 8, 1, 8)), hours: 2, linesPerFormat: 2000, seed: 4 });
  ({ report, output: text } = await runTuneCommand({ sample: [logs], chart: join(root, 'out', 'chart.svg') }, {}, config));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A strict-enough XML check: every tag closed in order, attributes quoted, no stray `<` or `&`. */
function checkWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(xml); m !== null; m = tag.exec(xml)) {
    const between = xml.slice(last, m.index);
    expect(between, `text before <${m[2]}>`).not.toMatch(/<|&(?!(amp|lt|gt|quot|apos);)/);
    last = tag.lastIndex;
    if (m[1] === '/') expect(stack.pop(), `closing </${m[2]}>`).toBe(m[2]);
    else if (m[4] !== '/') stack.push(m[2]);
  }
  expect(xml.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

describe('loghose tune --sample', () => {
  it('is registered on the loghose command', () => {
    expect(buildProgram().commands.map((c) => c.name())).toContain('tune');
  });

  it('prints the grid, the recommendation, its cost breakdown and the config snippet', () => {
    expect(report.input.streams.map((s) => s.table)).toEqual(['alb', 'cloudfront']);
    expect(report.input.days).toBeGreaterThan(1.9 / 24);
    expect(report.input.monthFactor).toBeCloseTo(30 / report.input.days, 9);
    expect(report.points).toHaveLength(30);
    for (const p of report.points) expect(text).toContain(p.label);
    expect(text).toContain(`recommended: ${report.advice.best.label}`);
    for (const item of ['ingestion (5 KB records)', 'format conversion', 'dynamic partitioning / GB', 'dynamic partitioning / object', 'S3 PUT', 'Lambda GB-s', 'Lambda requests', 'Athena per-file GETs']) {
      expect(text).toContain(item);
    }
    const snippet = JSON.parse(text.slice(text.indexOf('loghose.config.json:') + 'loghose.config.json:'.length, text.indexOf('\nchart:')));
    expect(snippet).toEqual(report.advice.snippet);
    expect(parseConfig({ ...snippet }).buffering).toEqual(snippet.buffering);
    expect(text).toContain(`chart: ${join(root, 'out', 'chart.svg')}`);
  });

  it('writes a valid SVG chart with one point and one bar per setting', async () => {
    const svg = await readFile(join(root, 'out', 'chart.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    checkWellFormed(svg);
    const points = [...svg.matchAll(/<circle class="point"[^>]*data-setting="([^"]+)"[^>]*data-cost="([\d.]+)"/g)];
    expect(points.map((m) => m[1]).sort()).toEqual(report.points.map((p) => p.label).sort());
    for (const [, label, cost] of points) expect(Number(cost)).toBeCloseTo(report.points.find((p) => p.label === label)!.cost.total, 3);
    expect([...svg.matchAll(/<rect class="bar"/g)]).toHaveLength(30);
    expect(svg).toContain(`recommended: ${report.advice.best.label}`);
    expect(svg).toContain(`max latency ${report.constraints.maxLatencySeconds} s`);
  });

  it('writes an HTML page wrapping the SVG and the tables', async () => {
    const file = join(root, 'chart.html');
    await runTuneCommand({ sample: [logs], chart: file, parquetRatio: '0.1', lambdaMbps: '50' }, {}, config);
    const html = await readFile(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    const svg = html.slice(html.indexOf('<svg'), html.indexOf('</svg>') + 6);
    checkWellFormed(svg);
    checkWellFormed(html.slice(html.indexOf('<body>'), html.indexOf('</body>') + 7));
    expect(html).toContain('<tr class="recommended">');
    expect([...html.matchAll(/<tr/g)].length).toBeGreaterThanOrEqual(31);
  });

  it('--json prints the report as JSON', async () => {
    const { output } = await runTuneCommand({ sample: [logs], json: true, scale: '10', maxLatency: '1200', minFileMib: '1', parquetRatio: '0.1', lambdaMbps: '50' }, {}, config);
    const json = JSON.parse(output);
    expect(json.input.scale).toBe(10);
    expect(json.constraints).toEqual({ maxLatencySeconds: 1200, minFileMiB: 1 });
    expect(json.points).toHaveLength(30);
    expect(json.recommendation.snippet.processor.bufferSizeMiB).toBe(json.processor.advice.bufferSizeMiB);
    expect(json.input.streams[0]).toMatchObject({ parquetRatio: 0.1, parquetRatioSource: 'given' });
    expect(Object.keys(json.recommendation.cost)).toEqual([
      'ingestion',
      'formatConversion',
      'partitioningPerGB',
      'partitioningPerObject',
      's3Puts',
      'lambdaCompute',
      'lambdaRequests',
      'athenaPerFile',
      'total',
    ]);
  });

  it('--sizes and --intervals narrow the grid; values outside the dynamic-partitioning range are refused', async () => {
    const { report: narrow } = await runTuneCommand({ sample: [logs], sizes: '128', intervals: '300,900', parquetRatio: '0.1', lambdaMbps: '50' }, {}, config);
    expect(narrow.points.map((p) => p.label)).toEqual(['128 MiB / 300 s / hour', '128 MiB / 900 s / hour', '128 MiB / 300 s / day', '128 MiB / 900 s / day']);
    await expect(runTuneCommand({ sample: [logs], sizes: '32' }, {}, config)).rejects.toThrow(/32 MiB is outside 64–128 MiB/);
    await expect(runTuneCommand({ sample: [logs], intervals: '30' }, {}, config)).rejects.toThrow(/30 s is outside 60–900 s/);
  });

  it('refuses bad input with one clear line', async () => {
    await expect(runTuneCommand({}, {}, config)).rejects.toThrow(/exactly one of --sample DIR\|FILES and --stream NAME/);
    await expect(runTuneCommand({ sample: [logs], stream: 'x-alb' }, {}, config)).rejects.toThrow(/exactly one/);
    await expect(runTuneCommand({ sample: [logs], scale: '-2' }, {}, config)).rejects.toThrow(/--scale must be a number > 0/);
    await expect(runTuneCommand({ sample: [logs], chart: 'x.png' }, {}, config)).rejects.toThrow(/\.svg or \.html/);
    await expect(runTuneCommand({ sample: [join(root, 'missing')] }, {}, config)).rejects.toThrow(/does not exist/);
    await expect(runTuneCommand({ sample: [logs], arrival: 'sometimes' }, {}, config)).rejects.toThrow(/--arrival/);
  });
});

describe('chart helpers', () => {
  it('covers the data range with round ticks', () => {
    expect(niceTicks(0, 1464)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(268.1, 279.3)).toEqual([267.5, 270, 272.5, 275, 277.5, 280]);
    expect(niceTicks(0, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('escapes text for XML', () => {
    expect(escapeXml(`<a & "b" 'c'>`)).toBe('&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;');
  });

  it('renders the same report as SVG and HTML', () => {
    expect(renderHtml(report)).toContain(renderSvg(report));
  });

  it('names the table of a stream from its name or --table', () => {
    expect(tableOfStream('loghose-s3_access')).toBe('s3_access');
    expect(tableOfStream('loghose-cloudtrail')).toBe('cloudtrail');
    expect(tableOfStream('anything', 'vpc_flow')).toBe('vpc_flow');
    expect(() => tableOfStream('anything', 'waf')).toThrow(/unknown table/);
  });
});

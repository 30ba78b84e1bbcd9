import nodemailer from 'nodemailer';
import type { QueryStats, ResultColumn, ResultValue } from './engine.js';
import type { Period } from './periods.js';

/**
 * Report e-mail over SMTP (nodemailer): an HTML summary — period, totals, the first rows as a
 * table — with the full results attached as CSV.gz. Settings come from the environment.
 */

/** The environment variables, in the order they are reported when missing. */
export const EMAIL_ENV = ['SMTP_HOST', 'SMTP_PORT', 'SMTP_USERNAME', 'SMTP_PASSWORD', 'FROM_EMAIL', 'REPLY_TO_EMAIL', 'TARGET_EMAIL_ADDRESS'] as const;

export interface EmailSettings {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly from: string;
  readonly replyTo: string;
  /** From TARGET_EMAIL_ADDRESS, comma-separated. */
  readonly to: readonly string[];
}

export class EmailSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmailSettingsError';
  }
}

const ADDRESS = /^[^\s@,<>]+@[^\s@,<>]+$/;

/** Reads the settings; every missing or malformed one is named in a single-line error. */
export function emailSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): EmailSettings {
  const value = (name: (typeof EMAIL_ENV)[number]) => env[name]?.trim() ?? '';
  const missing = EMAIL_ENV.filter((name) => value(name) === '');
  if (missing.length > 0) throw new EmailSettingsError(`--email needs these environment variables set: ${missing.join(', ')}`);
  const problems: string[] = [];
  const port = Number(value('SMTP_PORT'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`SMTP_PORT must be a port number, got ${JSON.stringify(value('SMTP_PORT'))}`);
  for (const name of ['FROM_EMAIL', 'REPLY_TO_EMAIL'] as const) {
    if (!ADDRESS.test(value(name))) problems.push(`${name} is not an e-mail address: ${JSON.stringify(value(name))}`);
  }
  const to = value('TARGET_EMAIL_ADDRESS')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const badTargets = to.filter((a) => !ADDRESS.test(a));
  if (to.length === 0 || badTargets.length > 0) problems.push(`TARGET_EMAIL_ADDRESS must be comma-separated e-mail addresses, got ${JSON.stringify(value('TARGET_EMAIL_ADDRESS'))}`);
  if (problems.length > 0) throw new EmailSettingsError(problems.join('; '));
  return {
    host: value('SMTP_HOST'),
    port,
    username: value('SMTP_USERNAME'),
    password: value('SMTP_PASSWORD'),
    from: value('FROM_EMAIL'),
    replyTo: value('REPLY_TO_EMAIL'),
    to,
  };
}

export interface ReportEmail {
  readonly name: string;
  readonly description: string;
  readonly period: Period;
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly Record<string, ResultValue>[];
  /** Columns summed in the summary. */
  readonly totals: readonly string[];
  readonly stats: QueryStats;
  readonly attachment: { readonly filename: string; readonly content: Buffer };
  /** Where the files were written, for the summary. */
  readonly locations: readonly string[];
}

/** Rows shown in the mail; the attachment has them all. */
export const EMAIL_PREVIEW_ROWS = 20;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function cell(value: ResultValue | undefined): string {
  if (value === null || value === undefined) return '';
  return escapeHtml(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

/** Sums of the total columns over all rows (numbers, or numeric text of big integers). */
export function columnTotals(rows: readonly Record<string, ResultValue>[], columns: readonly string[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const column of columns) {
    totals[column] = rows.reduce((sum, row) => {
      const v = row[column];
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : 0;
      return sum + n;
    }, 0);
  }
  return totals;
}

export function reportSubject(report: Pick<ReportEmail, 'name' | 'period'>): string {
  return `loghose report ${report.name}: ${report.period.from} to ${report.period.to}`;
}

export function reportHtml(report: ReportEmail): string {
  const style = 'border-collapse:collapse;font-family:sans-serif;font-size:13px';
  const td = 'border:1px solid #ccc;padding:3px 6px';
  const preview = report.rows.slice(0, EMAIL_PREVIEW_ROWS);
  const totals = columnTotals(report.rows, report.totals.filter((t) => report.columns.some((c) => c.name === t)));
  const stats = [
    `${report.rows.length.toLocaleString('en-US')} rows`,
    `engine ${report.stats.engine}`,
    ...(report.stats.bytesScanned === undefined ? [] : [`${report.stats.bytesScanned.toLocaleString('en-US')} bytes scanned`]),
    ...(report.stats.costUsd === undefined ? [] : [`$${report.stats.costUsd.toFixed(6)}`]),
  ];
  const parts = [
    `<html><body style="font-family:sans-serif">`,
    `<h2>${escapeHtml(report.name)}</h2>`,
    `<p>${escapeHtml(report.description)}</p>`,
    `<p><b>Period:</b> ${escapeHtml(report.period.from)} to ${escapeHtml(report.period.to)} (UTC, inclusive)<br>${escapeHtml(stats.join(' · '))}</p>`,
  ];
  if (Object.keys(totals).length > 0) {
    parts.push(
      `<h3>Totals</h3>`,
      `<table style="${style}">`,
      ...Object.entries(totals).map(([name, sum]) => `<tr><td style="${td}">${escapeHtml(name)}</td><td style="${td};text-align:right">${sum.toLocaleString('en-US')}</td></tr>`),
      `</table>`,
    );
  }
  parts.push(
    `<h3>${preview.length < report.rows.length ? `First ${preview.length} of ${report.rows.length.toLocaleString('en-US')} rows` : 'Rows'}</h3>`,
    report.rows.length === 0
      ? `<p>(no rows)</p>`
      : [
          `<table style="${style}">`,
          `<tr>${report.columns.map((c) => `<th style="${td};background:#eee">${escapeHtml(c.name)}</th>`).join('')}</tr>`,
          ...preview.map((row) => `<tr>${report.columns.map((c) => `<td style="${td}">${cell(row[c.name])}</td>`).join('')}</tr>`),
          `</table>`,
        ].join('\n'),
    `<p>All rows are attached as ${escapeHtml(report.attachment.filename)}.${report.locations.length > 0 ? ` Files: ${report.locations.map(escapeHtml).join(', ')}` : ''}</p>`,
    `</body></html>`,
  );
  return parts.join('\n');
}

/** Plain-text alternative for mail clients without HTML. */
function reportText(report: ReportEmail): string {
  return [
    `${report.name}: ${report.description}`,
    `Period: ${report.period.from} to ${report.period.to} (UTC, inclusive)`,
    `${report.rows.length} rows; all attached as ${report.attachment.filename}.`,
  ].join('\n');
}

export interface SentEmail {
  readonly messageId: string;
  readonly accepted: readonly string[];
}

/**
 * Sends the report. Port 465 is implicit TLS; any other port upgrades with STARTTLS when the
 * server offers it (nodemailer's default).
 */
export async function sendReportEmail(settings: EmailSettings, report: ReportEmail): Promise<SentEmail> {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.port === 465,
    auth: { user: settings.username, pass: settings.password },
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
  try {
    const info = await transport.sendMail({
      from: settings.from,
      replyTo: settings.replyTo,
      to: [...settings.to],
      subject: reportSubject(report),
      text: reportText(report),
      html: reportHtml(report),
      attachments: [{ filename: report.attachment.filename, content: report.attachment.content, contentType: 'application/gzip' }],
    });
    return { messageId: String(info.messageId), accepted: (info.accepted as (string | { address: string })[]).map((a) => (typeof a === 'string' ? a : a.address)) };
  } finally {
    transport.close();
  }
}

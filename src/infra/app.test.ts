import { athenaSavedQueries } from '../query/named-queries.js';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../config/config.js';
import { LoghoseStack } from './loghose-stack.js';
import { repoPath, REPO_ROOT } from './lambda-function.js';

/** The CDK app entry and its config handling. Errors are raised before anything is bundled. */

const run = promisify(execFile);
const APP = repoPath('src/infra/app.ts');
const TSX = repoPath('node_modules/.bin/tsx');

async function synthApp(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [APP], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'loghose-infra-')), name);
  writeFileSync(file, text);
  return file;
}

describe('config errors', () => {
  it('names each bad field of a broken config in one ConfigError', () => {
    const file = tempFile('broken.json', JSON.stringify({ sources: [{ table: 'nginx' }], buffering: { sizeMiB: 32 }, athena: { bytesScannedCutoffMiB: 1 } }));
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(/sources\.0\.table: .*; buffering\.sizeMiB: .*; athena\.bytesScannedCutoffMiB/);
  });

  it('says so when the file is not JSON or is missing', () => {
    expect(() => loadConfig(tempFile('bad.json', '{ "sources": [ }'))).toThrow(/not valid JSON/);
    expect(() => loadConfig('/nonexistent/loghose.config.json')).toThrow(/cannot read config/);
  });

  it('the stack refuses settings Firehose would reject, even from a config object that skipped validation', () => {
    const config = parseConfig({ sources: [{ table: 'alb', bucket: 'acme-alb-logs' }] });
    const build = (overrides: object) => () => new LoghoseStack(new App(), 'test', { config: { ...config, ...overrides } });
    expect(build({ buffering: { sizeMiB: 32, intervalSeconds: 300 } })).toThrow(/buffering\.sizeMiB is 32;.*64/);
    expect(build({ buffering: { sizeMiB: 128, intervalSeconds: 30 } })).toThrow(/buffering\.intervalSeconds is 30;.*60/);
    expect(build({ sources: [] })).toThrow(ConfigError);
    expect(build({ sources: [{ table: 'alb', bucket: 'acme-alb-logs', prefix: '', expireRawAfterDays: 7 }] })).toThrow(
      /expireRawAfterDays: applies only to buckets the stack creates/,
    );
  });

  it('the app exits 1 with a one-line reason on a broken config', async () => {
    const file = tempFile('broken.json', JSON.stringify({ buffering: { intervalSeconds: 10 } }));
    const result = await synthApp({ LOGHOSE_CONFIG: file, CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'loghose-cdk-out-')) });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([`loghose: ${file}: invalid config — buffering.intervalSeconds: Too small: expected number to be >=60`]);
  });
});

it('the app synthesizes the example config, cdk-nag clean', async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'loghose-cdk-out-'));
  const result = await synthApp({ LOGHOSE_CONFIG: repoPath('loghose.config.example.json'), CDK_OUTDIR: outdir });
  expect(result.stderr).not.toMatch(/AwsSolutions-/);
  expect(result.code).toBe(0);
  const template = JSON.parse(readFileSync(join(outdir, 'loghose.template.json'), 'utf8'));
  const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
  expect(types.filter((t) => t === 'AWS::KinesisFirehose::DeliveryStream')).toHaveLength(loadConfig(repoPath('loghose.config.example.json')).sources.length);
  expect(existsSync(join(outdir, 'manifest.json'))).toBe(true);
  // The named queries of the deployed tables are saved in the workgroup.
  const tables = new Set(loadConfig(repoPath('loghose.config.example.json')).sources.map((s) => s.table));
  const saved = athenaSavedQueries().filter((q) => tables.has(q.table));
  const namedQueries = Object.values(template.Resources as Record<string, { Type: string; Properties: { Name: string; QueryString: string } }>).filter(
    (r) => r.Type === 'AWS::Athena::NamedQuery',
  );
  expect(namedQueries.map((q) => q.Properties.Name).sort()).toEqual(saved.map((q) => q.name).sort());
  expect(namedQueries.every((q) => !q.Properties.QueryString.includes('BETWEEN ? AND ?'))).toBe(true);
});

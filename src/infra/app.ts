import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadConfig, type LoghoseConfig } from '../config/config.js';
import { athenaSavedQueries } from '../query/named-queries.js';
import type { NamedQueryDefinition } from './athena.js';
import { LoghoseStack } from './loghose-stack.js';

/**
 * The CDK app (`cdk.json`: `npx tsx src/infra/app.ts`). Reads `loghose.config.json` — or the file
 * named by `LOGHOSE_CONFIG` — builds the loghose stack and registers the cdk-nag AwsSolutions checks
 * (cdk-nag 3 is a CDK policy-validation plugin): a finding that is not acknowledged, with its
 * reason next to the resource, fails the synth. A bad config exits 1 with one line.
 */

export interface LoghoseAppOptions {
  readonly config: LoghoseConfig;
  readonly app?: App;
  readonly namedQueries?: readonly NamedQueryDefinition[];
  readonly ingestEntry?: string;
  readonly transformEntry?: string;
}

export function buildLoghoseApp(options: LoghoseAppOptions): { app: App; stack: LoghoseStack } {
  const app = options.app ?? new App();
  const { config } = options;
  const stack = new LoghoseStack(app, config.name, {
    config,
    description: `loghose: AWS service logs → Firehose → Parquet lake → Athena (${config.sources.map((s) => s.table).join(', ')})`,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: config.region ?? process.env.CDK_DEFAULT_REGION },
    namedQueries: options.namedQueries ?? athenaSavedQueries(),
    ingestEntry: options.ingestEntry,
    transformEntry: options.transformEntry,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

function main(): void {
  try {
    const config = loadConfig(process.env.LOGHOSE_CONFIG || undefined);
    buildLoghoseApp({ config }).app.synth();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`loghose: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(realpathSync(invokedPath)).href) main();

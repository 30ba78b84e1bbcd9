import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * How loghose builds a Lambda function: bundled by the local esbuild (no Docker), minified, on the
 * runtime the design pins, with its own log group and a role that may write only to that log group
 * (no AWSLambdaBasicExecutionRole, whose `*` log resources would cover every log group).
 */

/** The runtime DESIGN.md pins for both Lambdas. */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;
const ESBUILD_TARGET = 'node22';

/** The repository root: where package-lock.json lives and esbuild resolves modules from. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A source file of this repository by its path from the root, e.g. `src/ingest/lambda.ts`. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

export interface LoghoseFunctionProps {
  /** The TypeScript file exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMiB: number;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Modules left out of the bundle (provided by the runtime).
   * @default [] — everything the handler imports is bundled, so nothing is silently left to the runtime
   */
  readonly externalModules?: string[];
  /**
   * Reserved concurrency.
   * @default - none (unreserved account concurrency)
   */
  readonly reservedConcurrentExecutions?: number;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
}

export function createLoghoseFunction(scope: Construct, id: string, props: LoghoseFunctionProps): NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `${props.description} (execution role)`,
  });
  // logGroupArn is the log group's `Arn` attribute, which already ends in `:*` (its log streams).
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
  );
  const fn = new NodejsFunction(scope, id, {
    entry: props.entry,
    handler: 'handler',
    runtime: LAMBDA_RUNTIME,
    description: props.description,
    memorySize: props.memoryMiB,
    timeout: props.timeout,
    environment: { ...props.environment },
    reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    role,
    logGroup,
    projectRoot: REPO_ROOT,
    depsLockFilePath: repoPath('package-lock.json'),
    bundling: {
      minify: true,
      sourceMap: false,
      target: ESBUILD_TARGET,
      format: OutputFormat.CJS,
      externalModules: props.externalModules ?? [],
      forceDockerBundling: false,
    },
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: `DESIGN.md pins the loghose Lambdas to ${LAMBDA_RUNTIME.name}, the runtime the code is built and tested for; moving to a newer runtime is a deliberate change.`,
  });
  return fn;
}

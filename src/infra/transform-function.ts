import { Duration } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import type { LoghoseConfig } from '../config/config.js';
import { LAMBDA_LIMITS } from '../config/limits.js';
import type { TableName } from '../transforms/schema.js';
import { createLoghoseFunction, repoPath } from './lambda-function.js';

/** The Firehose transform handler (src/transforms/lambda.ts), referenced by path and bundled by esbuild. */
export const TRANSFORM_ENTRY = repoPath('src/transforms/lambda.ts');

/**
 * A transform of one processor buffer (≤ 3 MiB) takes well under a second; the minute leaves room
 * for a cold start and stays far below the 5 minutes Firehose allows a processor.
 */
export const TRANSFORM_TIMEOUT = Duration.minutes(1);

export interface TransformFunctionProps {
  /** The table this function parses for (env `LOGHOSE_TABLE`). */
  readonly table: TableName;
  readonly processor: LoghoseConfig['processor'];
  /** @default TRANSFORM_ENTRY */
  readonly entry?: string;
  /** @default TRANSFORM_TIMEOUT */
  readonly timeout?: Duration;
}

/**
 * The Firehose transform Lambda for one table. Nothing is external to its bundle: the transforms are
 * pure (no AWS SDK), so an SDK import would show up as bundle size rather than hide in the runtime.
 */
export function createTransformFunction(scope: Construct, id: string, props: TransformFunctionProps): NodejsFunction {
  const timeout = props.timeout ?? TRANSFORM_TIMEOUT;
  if (timeout.toSeconds() > LAMBDA_LIMITS.firehoseProcessorMaxTimeoutSeconds) {
    throw new Error(
      `transform function timeout is ${timeout.toSeconds()} s; Firehose allows a processor at most ${LAMBDA_LIMITS.firehoseProcessorMaxTimeoutSeconds} s`,
    );
  }
  return createLoghoseFunction(scope, id, {
    entry: props.entry ?? TRANSFORM_ENTRY,
    description: `loghose Firehose transform for ${props.table} logs`,
    memoryMiB: props.processor.memoryMiB,
    timeout,
    environment: { LOGHOSE_TABLE: props.table },
    externalModules: [],
  });
}

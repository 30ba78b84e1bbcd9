import * as athena from 'aws-cdk-lib/aws-athena';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { LoghoseConfig } from '../config/config.js';
import type { TableName } from '../transforms/schema.js';
import { ATHENA_RESULTS_PREFIX } from './lake-buckets.js';

/**
 * The Athena side: a workgroup that enforces its settings on every query (encrypted result
 * location, bytes-scanned cap, CloudWatch metrics) and the named queries of the deployed tables.
 */

/** A saved query, as the query module defines them. */
export interface NamedQueryDefinition {
  /** Unique name, shown in the Athena console (≤ 128 characters). */
  readonly name: string;
  readonly description: string;
  /** The table the query reads; queries of tables that are not deployed are left out. */
  readonly table: TableName;
  readonly sql: string;
}

export interface AthenaProps {
  readonly athena: LoghoseConfig['athena'];
  /** The Glue database the queries run in (a reference, so named queries come after it). */
  readonly databaseName: string;
  readonly resultsBucket: s3.IBucket;
  /** The tables the stack deploys. */
  readonly tables: readonly TableName[];
  readonly namedQueries: readonly NamedQueryDefinition[];
}

export interface Athena {
  readonly workgroup: athena.CfnWorkGroup;
  readonly namedQueries: readonly athena.CfnNamedQuery[];
}

const MIB = 1024 * 1024;

export function createAthena(scope: Construct, props: AthenaProps): Athena {
  const workgroup = new athena.CfnWorkGroup(scope, 'Workgroup', {
    name: props.athena.workgroup,
    description: 'loghose queries: results encrypted and expiring, bytes scanned capped per query',
    state: 'ENABLED',
    // `cdk destroy` removes the workgroup even when it holds named queries and query history.
    recursiveDeleteOption: true,
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      publishCloudWatchMetricsEnabled: true,
      requesterPaysEnabled: false,
      bytesScannedCutoffPerQuery: props.athena.bytesScannedCutoffMiB * MIB,
      engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      resultConfiguration: {
        outputLocation: props.resultsBucket.s3UrlForObject(ATHENA_RESULTS_PREFIX),
        encryptionConfiguration: { encryptionOption: 'SSE_S3' },
      },
    },
  });

  const deployed = new Set(props.tables);
  const seen = new Set<string>();
  const namedQueries: athena.CfnNamedQuery[] = [];
  for (const query of props.namedQueries) {
    if (!deployed.has(query.table)) continue;
    if (seen.has(query.name)) throw new Error(`named query ${JSON.stringify(query.name)} is defined twice`);
    seen.add(query.name);
    namedQueries.push(
      new athena.CfnNamedQuery(scope, `NamedQuery-${query.name.replace(/[^A-Za-z0-9]+/g, '-')}`, {
        name: query.name,
        description: query.description,
        database: props.databaseName,
        workGroup: workgroup.ref,
        queryString: query.sql,
      }),
    );
  }
  return { workgroup, namedQueries };
}

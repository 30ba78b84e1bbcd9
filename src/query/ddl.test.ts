import { describe, expect, it } from 'vitest';
import { schemaOf } from '../transforms/registry.js';
import { TABLE_NAMES, hiveType } from '../transforms/schema.js';
import { backquote, createTableDdl } from './ddl.js';
import { DEFAULT_PROJECTION_START_DATE, partitionProjection, projectionTableProperties } from '../transforms/partition-projection.js';

describe('loghose ddl', () => {
  it.each(TABLE_NAMES.map((t) => [t] as const))('%s: every column with its Hive type, partitions, Parquet, projection', (table) => {
    const ddl = createTableDdl(table, { location: 's3://my-lake/prefix/', database: 'logs' });
    const schema = schemaOf(table);
    const lines = ddl.split('\n');
    expect(lines[0]).toBe(`CREATE EXTERNAL TABLE IF NOT EXISTS \`logs\`.\`${table}\` (`);
    const columnLines = lines.slice(1, 1 + schema.columns.length);
    expect(columnLines).toHaveLength(schema.columns.length);
    schema.columns.forEach((column, i) => {
      expect(columnLines[i].startsWith(`  \`${column.name}\` ${hiveType(column.type)}`), columnLines[i]).toBe(true);
      expect(columnLines[i].endsWith(i < schema.columns.length - 1 ? ',' : "'") || columnLines[i].endsWith(hiveType(column.type)), columnLines[i]).toBe(true);
    });
    expect(lines[1 + schema.columns.length]).toBe(')');
    expect(ddl).toContain('PARTITIONED BY (`dt` string, `hour` string)');
    expect(ddl).toContain('STORED AS PARQUET');
    expect(ddl).toContain(`LOCATION 's3://my-lake/prefix/${table}/'`);
    // dt and hour live in the path, not in the files: they are not data columns.
    expect(columnLines.some((l) => /^ {2}`(dt|hour)` /.test(l))).toBe(false);
    const properties = ddl.slice(ddl.indexOf('TBLPROPERTIES (')).split('\n').slice(1, -1);
    expect(properties).toEqual([
      `  'parquet.compression'='SNAPPY',`,
      `  'projection.enabled'='true',`,
      `  'projection.dt.type'='date',`,
      `  'projection.dt.format'='yyyy-MM-dd',`,
      `  'projection.dt.range'='2015-01-01,NOW',`,
      `  'projection.dt.interval'='1',`,
      `  'projection.dt.interval.unit'='DAYS',`,
      `  'projection.hour.type'='integer',`,
      `  'projection.hour.range'='0,23',`,
      `  'projection.hour.digits'='2',`,
      `  'storage.location.template'='s3://my-lake/prefix/${table}/dt=\${dt}/hour=\${hour}/'`,
    ]);
    expect(ddl.endsWith(');')).toBe(true);
  });

  it('writes complex types as Hive types', () => {
    const ddl = createTableDdl('cloudtrail', { location: 's3://b', database: 'loghose' });
    expect(ddl).toContain('  `useridentity` struct<type:string,principalid:string,arn:string,');
    expect(ddl).toContain('  `resources` array<struct<arn:string,accountid:string,type:string,arnprefix:string>>');
    expect(createTableDdl('alb', { location: 's3://b', database: 'loghose' })).toContain('  `query_params` map<string,string>');
    expect(ddl).toContain("LOCATION 's3://b/cloudtrail/'");
  });

  it('keeps comments as Hive string literals', () => {
    const ddl = createTableDdl('alb', { location: 's3://b', database: 'loghose' });
    expect(ddl).toContain("  `request_processing_time` double COMMENT '-1 when the request was not dispatched',");
  });

  it('takes another projection start date', () => {
    expect(createTableDdl('elb', { location: 's3://b', database: 'd', projectionStartDate: '2020-06-01' })).toContain(`'projection.dt.range'='2020-06-01,NOW'`);
  });

  it('wants an s3:// location', () => {
    expect(() => createTableDdl('elb', { location: '/tmp/lake', database: 'd' })).toThrow(/s3:\/\/bucket/);
  });

  it('backquotes identifiers', () => {
    expect(backquote('a`b')).toBe('`a``b`');
  });
});

describe('partition projection (shared with the CDK catalog)', () => {
  it('projects dt day by day up to NOW and hour 00–23', () => {
    expect(partitionProjection()).toEqual({
      dt: { type: 'date', format: 'yyyy-MM-dd', range: `${DEFAULT_PROJECTION_START_DATE},NOW`, interval: '1', 'interval.unit': 'DAYS' },
      hour: { type: 'integer', range: '0,23', digits: '2' },
    });
    expect(() => partitionProjection('2015/01/01')).toThrow(/YYYY-MM-DD/);
  });

  it('has a projection for every partition key and a template naming each', () => {
    for (const table of TABLE_NAMES) {
      const properties = projectionTableProperties(`s3://b/${table}/`, schemaOf(table));
      for (const key of schemaOf(table).partitionKeys) {
        expect(properties[`projection.${key.name}.type`]).toBeDefined();
        expect(properties['storage.location.template']).toContain(`${key.name}=\${${key.name}}`);
      }
    }
  });

  it('agrees with the Glue table the CDK catalog defines', async () => {
    const catalog = await import('../infra/catalog.js');
    const glue = catalog.tableParameters('my-lake', schemaOf('alb'), '2015-01-01');
    const ours = projectionTableProperties('s3://my-lake/alb/', schemaOf('alb'), '2015-01-01');
    for (const [key, value] of Object.entries(ours)) expect(glue[key], key).toBe(value);
  });
});

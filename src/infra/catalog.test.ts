import { describe, expect, it } from 'vitest';
import { schemaOf } from '../transforms/registry.js';
import { hiveType, TABLE_NAMES } from '../transforms/schema.js';
import { partitionProjection } from '../transforms/partition-projection.js';
import { glueColumns, tableLocation, tableParameters } from './catalog.js';

describe.each(TABLE_NAMES)('%s Glue table definition', (table) => {
  const schema = schemaOf(table);

  it('has the schema columns, in order, with their Hive types', () => {
    expect(glueColumns(schema.columns)).toEqual(schema.columns.map((c) => ({ name: c.name, type: hiveType(c.type), comment: c.comment })));
    expect(glueColumns(schema.partitionKeys).map((c) => `${c.name} ${c.type}`)).toEqual(['dt string', 'hour string']);
  });

  it('projects every partition key over the Firehose prefix layout', () => {
    const parameters = tableParameters('lake', schema, '2015-01-01');
    expect(parameters).toEqual({
      EXTERNAL: 'TRUE',
      classification: 'parquet',
      'parquet.compression': 'SNAPPY',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2015-01-01,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
      'storage.location.template': `s3://lake/${table}/dt=\${dt}/hour=\${hour}/`,
    });
    expect(parameters['storage.location.template'].startsWith(tableLocation('lake', table))).toBe(true);
  });
});

it('rejects a projection start that is not a date', () => {
  expect(() => partitionProjection('2015/01/01')).toThrow(/YYYY-MM-DD/);
});

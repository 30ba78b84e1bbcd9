import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/config.js';
import { TABLE_NAMES } from '../transforms/schema.js';
import { dataOutputPrefix, errorOutputPrefix, validateStreamSettings } from './delivery-stream.js';

const defaults = parseConfig({});

describe('prefixes', () => {
  it.each(TABLE_NAMES)('%s: data under <table>/dt=…/hour=…/ from Lambda keys, errors under errors/<table>/<type>/', (table) => {
    expect(dataOutputPrefix(table)).toBe(`${table}/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/`);
    expect(errorOutputPrefix(table)).toBe(`errors/${table}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/`);
  });
});

describe('validateStreamSettings', () => {
  it('accepts the defaults and the limits themselves', () => {
    expect(() => validateStreamSettings(defaults.buffering, defaults.processor)).not.toThrow();
    expect(() => validateStreamSettings({ sizeMiB: 64, intervalSeconds: 60 }, { ...defaults.processor, bufferSizeMiB: 0.2, retries: 0 })).not.toThrow();
  });

  it('rejects buffering below 64 MiB or 60 s, which dynamic partitioning and Parquet conversion need', () => {
    const attempt = () => validateStreamSettings({ sizeMiB: 32, intervalSeconds: 30 }, defaults.processor);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/buffering\.sizeMiB is 32;.*64–128 MiB/);
    expect(attempt).toThrow(/buffering\.intervalSeconds is 30;.*60–900 s/);
  });

  it('rejects buffering above the Firehose maxima and processor settings out of range', () => {
    expect(() => validateStreamSettings({ sizeMiB: 256, intervalSeconds: 1000 }, defaults.processor)).toThrow(/256.*1000/s);
    expect(() => validateStreamSettings(defaults.buffering, { ...defaults.processor, bufferSizeMiB: 4 })).toThrow(/processor\.bufferSizeMiB is 4/);
    expect(() => validateStreamSettings(defaults.buffering, { ...defaults.processor, retries: -1 })).toThrow(/processor\.retries/);
  });
});

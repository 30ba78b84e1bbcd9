import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { fixed } from '../lib/report.js';
import type { Section } from './section.js';

/** (g) The Lambda bundles as the CDK app builds them: esbuild, minified, AWS SDK external. */
export const bundleSection: Section = {
  id: 'bundle',
  title: '(g) Lambda bundle sizes (esbuild, minified, AWS SDK v3 external)',
  async run(context) {
    const rows: string[][] = [];
    for (const [name, entry, target] of [
      ['transform (Firehose processor)', '../../src/transforms/lambda.ts', 150],
      ['ingest (S3 event → PutRecordBatch)', '../../src/ingest/lambda.ts', undefined],
    ] as const) {
      const result = await build({
        entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node22',
        format: 'esm',
        external: ['@aws-sdk/*'],
        write: false,
        metafile: true,
      });
      const bytes = result.outputFiles[0].contents.length;
      const kb = bytes / 1000;
      if (target !== undefined) context.metrics.set('bundle.transformKB', kb);
      const inputs = Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs)
        .map(([path, info]) => [path.replace(/^.*node_modules\//, '').split('/').slice(0, path.includes('node_modules/@') ? 2 : 1).join('/'), info.bytesInOutput] as const)
        .reduce((m, [pkg, n]) => {
          const key = pkg.startsWith('src') ? 'loghose (src/)' : pkg;
          return m.set(key, (m.get(key) ?? 0) + n);
        }, new Map<string, number>());
      const top = [...inputs].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([pkg, n]) => `${pkg} ${fixed(n / 1000, 0)} KB`).join(', ');
      rows.push([name, fixed(kb, 1), target === undefined ? '' : `< ${target} KB: ${kb < target ? 'PASS' : 'FAIL'}`, top]);
    }
    return {
      id: this.id,
      title: this.title,
      method: ['`esbuild` with the options the CDK app uses (bundle, minify, node22, ESM, `@aws-sdk/*` external); size of the output file.'],
      columns: ['Function', 'KB', 'Target', 'Largest parts'],
      rows,
      notes: [],
    };
  },
};

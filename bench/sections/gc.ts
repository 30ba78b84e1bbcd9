import { measure } from '../lib/measure.js';
import { fixed, mb } from '../lib/report.js';
import type { HandlerArgs, HandlerResult } from '../tasks/handler.js';
import type { Section } from './section.js';

/** 16 MiB is V8's default here, and about what Lambda's bootstrap gives a 512 MB function. */
const SEMI_SPACE_MIB = [16, 32, 64, 128];

/**
 * The handler's throughput by V8 young-generation size, for the Lambda's NODE_OPTIONS: the
 * transform allocates many short-lived strings, so scavenges are frequent.
 */
export const gcSection: Section = {
  id: 'gc',
  title: 'Handler throughput by --max-semi-space-size (CloudFront, 1,000 KiB records)',
  async run(context) {
    const rows: string[][] = [];
    const notes: string[] = [];
    let baseline: number | undefined;
    for (const size of SEMI_SPACE_MIB) {
      context.log(`gc semi-space ${size} MiB …`);
      try {
        const args: HandlerArgs = {
          format: 'cloudfront',
          path: context.data.cloudfront.path,
          recordBytes: 1000 * 1024,
          eventBytes: 1024 * 1024,
          reps: 2,
          maxInputBytes: (context.quick ? 16 : 96) * 1024 * 1024,
        };
        const result = await measure<HandlerResult>('handler', args, { nodeFlags: [`--max-semi-space-size=${size}`] });
        const rate = mb(result.inputBytes) / (result.best.cpuMs / 1000);
        baseline ??= rate;
        rows.push([`${size} MiB`, fixed(rate), `${fixed((rate / baseline) * 100 - 100, 0)} %`, fixed(result.maxRssMiB, 0)]);
      } catch (error) {
        rows.push([`${size} MiB`, 'error', '', '']);
        notes.push(`${size} MiB: ${(error as Error).message}`);
      }
    }
    return {
      id: this.id,
      title: this.title,
      method: [
        'As (b), on the first invocations of the CloudFront file, in a process started with `--max-semi-space-size=N`.',
        "Lambda's Node.js bootstrap derives the semi-space and old-space limits from the function's memory unless NODE_OPTIONS sets either (then it sets neither: set both).",
      ],
      columns: ['Semi-space', 'MB/s (CPU)', `vs ${SEMI_SPACE_MIB[0]} MiB`, 'Peak RSS MiB (process, data included)'],
      rows,
      notes,
    };
  },
};

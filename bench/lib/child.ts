/**
 * Entry point of a measurement process: `child.ts <task> <json args>` runs `bench/tasks/<task>.ts`'s
 * `run(args)` and prints its result as one marked JSON line (see measure.ts).
 */
const RESULT_MARK = '@@bench-result ';
const [task, json] = process.argv.slice(2);
if (!task || !/^[a-z0-9-]+$/.test(task)) throw new Error(`bad task name: ${task}`);
const module = (await import(`../tasks/${task}.ts`)) as { run(args: unknown): Promise<unknown> };
const result = await module.run(JSON.parse(json ?? '{}'));
process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(result)}\n`);

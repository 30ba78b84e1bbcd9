import { parentPort } from 'node:worker_threads';
import { transformFirehoseEvent } from '../transforms/firehose-transform.js';
import { formatOf } from '../transforms/registry.js';
import { functionError, invokeProcessor } from './processor-invocation.js';
import type { WorkerRelease, WorkerReply, WorkerTask } from './processor-pool.js';

/** A processor-pool worker: runs each invocation it is sent and replies with the checked outcome. */

const port = parentPort;
if (port === null) throw new Error('processor-worker runs in a worker thread (see processor-pool)');

/**
 * Buffers the main thread gave back: documents are decoded into them and moved (not copied) to
 * the main thread, which returns each once its documents are written. Fresh buffers per
 * invocation wait as garbage for the main thread's next full collection: reusing them lowered the
 * benchmark pipeline's peak RSS by ~30 MiB.
 */
const free: ArrayBuffer[] = [];
const MAX_FREE = 64;
const ROUND = 256 * 1024;

function documentMemory(size: number): ArrayBuffer {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    if (free[i].byteLength >= size && (best < 0 || free[i].byteLength < free[best].byteLength)) best = i;
  }
  if (best < 0) return new ArrayBuffer(Math.max(ROUND, Math.ceil(size / ROUND) * ROUND));
  const [chosen] = free.splice(best, 1);
  return chosen;
}

port.on('message', (message: WorkerTask | WorkerRelease) => {
  if ('release' in message) {
    for (const buffer of message.release) if (free.length < MAX_FREE) free.push(buffer);
    return;
  }
  const task = message;
  const format = formatOf(task.table);
  void invokeProcessor((event) => transformFirehoseEvent(event, { format }).response, task.request, documentMemory).then((outcome) => {
    const transfer: ArrayBuffer[] = [];
    if (outcome.ok) for (const output of outcome.outputs) if (output.documents) transfer.push(output.documents.buffer as ArrayBuffer);
    const reply: WorkerReply = { id: task.id, outcome };
    port.postMessage(reply, transfer);
  }).catch((error: unknown) => {
    // Not a transform failure (invokeProcessor catches those): a request or reply that cannot be handled.
    const reply: WorkerReply = { id: task.id, outcome: functionError((error as Error)?.message ?? String(error)) };
    port.postMessage(reply);
  });
});

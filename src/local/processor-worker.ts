import { parentPort } from 'node:worker_threads';
import { transformFirehoseEvent } from '../transforms/firehose-transform.js';
import { formatOf } from '../transforms/registry.js';
import { DocumentBuffers, functionError, invokeProcessor } from './processor-invocation.js';
import type { WorkerRelease, WorkerReply, WorkerTask } from './processor-pool.js';

/** A processor-pool worker: runs each invocation it is sent and replies with the checked outcome. */

const port = parentPort;
if (port === null) throw new Error('processor-worker runs in a worker thread (see processor-pool)');

/** Documents are decoded into these and moved (not copied) to the main thread, which gives each back once written. */
const buffers = new DocumentBuffers();

port.on('message', (message: WorkerTask | WorkerRelease) => {
  if ('release' in message) {
    for (const buffer of message.release) buffers.giveBack(buffer);
    return;
  }
  const task = message;
  const format = formatOf(task.table);
  void invokeProcessor((event) => transformFirehoseEvent(event, { format }).response, task.request, (size) => buffers.take(size)).then((outcome) => {
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

import { parentPort } from 'node:worker_threads';
import { transformFirehoseEvent } from '../transforms/firehose-transform.js';
import type { LogFormat } from '../transforms/format.js';
import { formatOf } from '../transforms/registry.js';
import type { TableName } from '../transforms/schema.js';
import { invokeProcessor } from './processor-invocation.js';
import type { WorkerReply, WorkerTask } from './processor-pool.js';

/** A processor-pool worker: runs each invocation it is sent and replies with the checked outcome. */

const port = parentPort;
if (port === null) throw new Error('processor-worker runs in a worker thread (see processor-pool)');

const formats = new Map<TableName, LogFormat>();

port.on('message', (task: WorkerTask) => {
  let format = formats.get(task.table);
  if (format === undefined) {
    format = formatOf(task.table);
    formats.set(task.table, format);
  }
  const chosen = format;
  void invokeProcessor((event) => transformFirehoseEvent(event, { format: chosen }).response, task.request).then((outcome) => {
    // Documents are moved, not copied, to the main thread when they own their memory.
    const transfer: ArrayBuffer[] = [];
    if (outcome.ok) {
      for (const output of outcome.outputs) {
        const documents = output.documents;
        if (documents && documents.byteOffset === 0 && documents.buffer instanceof ArrayBuffer && documents.byteLength === documents.buffer.byteLength) {
          transfer.push(documents.buffer);
        }
      }
    }
    const reply: WorkerReply = { id: task.id, outcome };
    port.postMessage(reply, transfer);
  });
});

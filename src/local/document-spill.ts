import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { appendFile, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a local delivery stream keeps the documents of its open partition buffers: on disk, one
 * newline-terminated NDJSON file per buffer, so buffers as large as Firehose's (up to 128 MiB per
 * partition) cost no memory, and the Parquet writer reads the file as it is.
 */
export class SpillDirectory {
  /** Bytes handed to `append` and not yet written, across this directory's spills. */
  readonly backlog = new WriteBacklog();
  private sequence = 0;
  private readonly prefix = `${randomUUID().slice(0, 8)}-`;

  /** `dir`: an existing directory to use; by default the process's own under the OS temp directory. */
  constructor(private readonly dir?: string) {}

  /** A new, empty spill file. */
  open(): DocumentSpill {
    const dir = this.dir !== undefined ? Promise.resolve(this.dir) : processSpillDirectory();
    const name = `${this.prefix}${(this.sequence++).toString(36).padStart(6, '0')}.ndjson`;
    return new DocumentSpill(
      dir.then((d) => join(d, name)),
      this.backlog,
    );
  }
}

/** Bytes waiting to be written, and a way to wait until few enough are. */
export class WriteBacklog {
  bytes = 0;
  private waiters: { limit: number; resolve: () => void }[] = [];

  add(bytes: number): void {
    this.bytes += bytes;
  }

  done(bytes: number): void {
    this.bytes -= bytes;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (this.bytes <= waiter.limit) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  /** Resolves once at most `limit` bytes are waiting. */
  below(limit: number): Promise<void> {
    if (this.bytes <= limit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit, resolve }));
  }
}

let processDirectory: Promise<string> | undefined;

/** One directory per process, made on first use and removed when the process exits. */
function processSpillDirectory(): Promise<string> {
  processDirectory ??= mkdtemp(join(tmpdir(), 'loghose-buffers-')).then((dir) => {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  });
  return processDirectory;
}

const NEWLINE = new Uint8Array([10]);

/** Appended documents waiting to be written, with what to call once they are. */
interface QueuedWrite {
  readonly buffers: Uint8Array[];
  readonly size: number;
  readonly written?: () => void;
}

export class DocumentSpill {
  /** Bytes appended so far. */
  bytes = 0;
  private queue: QueuedWrite[] = [];
  /** The drain in progress (or the last one); never rejects. */
  private written: Promise<void>;
  private draining = false;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly path: Promise<string>,
    private readonly backlog = new WriteBacklog(),
  ) {
    // Never rejects: a failure is kept and reported by `complete`.
    this.written = path.then(
      () => undefined,
      (error: unknown) => {
        this.failure = { error };
      },
    );
  }

  /**
   * Appends newline-separated documents (a newline is added when the last one lacks it); writes in
   * order. `written` is called once the documents are no longer needed. Appends made while a write
   * is under way go out together: one open, one writev and one close for all of them.
   */
  append(documents: Uint8Array, written?: () => void): void {
    if (documents.length === 0) {
      written?.();
      return;
    }
    const terminated = documents[documents.length - 1] === 10;
    const size = documents.length + (terminated ? 0 : 1);
    this.bytes += size;
    this.backlog.add(size);
    this.queue.push({ buffers: terminated ? [documents] : [documents, NEWLINE], size, written });
    if (!this.draining) {
      this.draining = true;
      this.written = this.written.then(() => this.drain());
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        if (!this.failure) await writeAll(await this.path, batch.flatMap((w) => w.buffers));
      } catch (error) {
        this.failure = { error };
      } finally {
        for (const w of batch) {
          this.backlog.done(w.size);
          w.written?.();
        }
      }
    }
    this.draining = false;
  }

  /** The file's path once every append has landed; rejects when one failed. */
  async complete(): Promise<string> {
    await this.written;
    if (this.failure) throw this.failure.error;
    const path = await this.path;
    if (this.bytes === 0) await appendFile(path, new Uint8Array(0));
    return path;
  }

  async remove(): Promise<void> {
    await this.written;
    const path = await this.path.catch(() => undefined);
    if (path !== undefined) await rm(path, { force: true });
  }
}

/** Appends `buffers` to the file at `path`, in order, resuming after partial writes. */
async function writeAll(path: string, buffers: Uint8Array[]): Promise<void> {
  const file = await open(path, 'a');
  try {
    let pending = buffers;
    while (pending.length > 0) {
      let { bytesWritten } = await file.writev(pending);
      let i = 0;
      while (i < pending.length && bytesWritten >= pending[i].length) bytesWritten -= pending[i++].length;
      pending = pending.slice(i);
      if (bytesWritten > 0) pending[0] = pending[0].subarray(bytesWritten);
    }
  } finally {
    await file.close();
  }
}

import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a local delivery stream keeps the documents of its open partition buffers: on disk, one
 * newline-terminated NDJSON file per buffer, so buffers as large as Firehose's (up to 128 MiB per
 * partition) cost no memory, and the Parquet writer reads the file as it is.
 */
export class SpillDirectory {
  private sequence = 0;
  private readonly prefix = `${randomUUID().slice(0, 8)}-`;

  /** `dir`: an existing directory to use; by default the process's own under the OS temp directory. */
  constructor(private readonly dir?: string) {}

  /** A new, empty spill file. */
  open(): DocumentSpill {
    const dir = this.dir !== undefined ? Promise.resolve(this.dir) : processSpillDirectory();
    const name = `${this.prefix}${(this.sequence++).toString(36).padStart(6, '0')}.ndjson`;
    return new DocumentSpill(dir.then((d) => join(d, name)));
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

export class DocumentSpill {
  /** Bytes appended so far. */
  bytes = 0;
  private written: Promise<void>;
  private failure: { error: unknown } | undefined;

  constructor(private readonly path: Promise<string>) {
    // Never rejects: a failure is kept and reported by `complete`.
    this.written = path.then(
      () => undefined,
      (error: unknown) => {
        this.failure = { error };
      },
    );
  }

  /** Appends newline-separated documents (a newline is added when the last one lacks it); writes in order. */
  append(documents: Uint8Array): void {
    if (documents.length === 0) return;
    const terminated = documents[documents.length - 1] === 10;
    this.bytes += documents.length + (terminated ? 0 : 1);
    this.written = this.written.then(async () => {
      if (this.failure) return;
      try {
        const path = await this.path;
        await appendFile(path, documents);
        if (!terminated) await appendFile(path, NEWLINE);
      } catch (error) {
        this.failure = { error };
      }
    });
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

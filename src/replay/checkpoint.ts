import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../local/lake.js';

/**
 * What a replay has delivered, so that re-running the same command after Ctrl-C or a crash skips
 * it: one entry per object (key → size, ETag, mtime), written whole to a temporary file and renamed
 * over the checkpoint after each object is delivered (saves coalesce while one is being written).
 */

export interface CheckpointIdentity {
  readonly source: string;
  readonly from?: string;
  readonly to?: string;
  readonly via: string;
  /** Where the objects go (lake, stream, queue URL, function): replays to different targets are different replays. */
  readonly target: string;
}

export interface DoneEntry {
  readonly size: number;
  readonly etag?: string;
  readonly mtime?: number;
  /** When it was delivered, ms since the epoch. */
  readonly at: number;
}

export interface OverwriteRecord {
  readonly from: string;
  readonly to: string;
  readonly tables: readonly string[];
  readonly at: string;
}

interface CheckpointData {
  version: 1;
  identity: CheckpointIdentity;
  createdAt: string;
  updatedAt: string;
  overwrite?: OverwriteRecord;
  /** Set when a run went through every object; cleared when a run starts. */
  completedAt?: string;
  done: Record<string, DoneEntry>;
}

export type ObjectStatus = 'new' | 'done' | 'changed';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export const CHECKPOINT_DIR = '.loghose';

/** `.loghose/replay-<hash of source, range, via and target>.json` */
export function defaultCheckpointPath(identity: CheckpointIdentity, dir = CHECKPOINT_DIR): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([identity.source, identity.from ?? '', identity.to ?? '', identity.via, identity.target]))
    .digest('hex')
    .slice(0, 16);
  return join(dir, `replay-${hash}.json`);
}

export class Checkpoint {
  private changes = 0;
  private savedChanges = 0;
  private writing: Promise<void> | undefined;
  /** Each done entry serialised once (`"key":{…}`), so a save does not re-serialise them all. */
  private readonly serialised = new Map<string, string>();

  private constructor(
    readonly path: string,
    private readonly data: CheckpointData,
    /** True when the file existed (a resumed replay). */
    readonly resumed: boolean,
  ) {
    for (const [key, entry] of Object.entries(data.done)) this.serialised.set(key, `${JSON.stringify(key)}:${JSON.stringify(entry)}`);
  }

  /** Loads the checkpoint at `path`, or starts an empty one (written on the first save). */
  static async open(path: string, identity: CheckpointIdentity): Promise<Checkpoint> {
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CheckpointError(`cannot read checkpoint ${path}: ${(error as Error).message}`);
    }
    const now = new Date().toISOString();
    if (text === undefined) {
      return new Checkpoint(path, { version: 1, identity, createdAt: now, updatedAt: now, done: {} }, false);
    }
    let data: CheckpointData;
    try {
      data = JSON.parse(text) as CheckpointData;
    } catch (error) {
      throw new CheckpointError(`checkpoint ${path} is not valid JSON (${(error as Error).message}); remove it to start over`);
    }
    if (data?.version !== 1 || typeof data.done !== 'object' || data.done === null || typeof data.identity !== 'object') {
      throw new CheckpointError(`checkpoint ${path} is not a loghose replay checkpoint`);
    }
    for (const field of ['source', 'via', 'target'] as const) {
      if (data.identity[field] !== identity[field]) {
        throw new CheckpointError(
          `checkpoint ${path} belongs to another replay (${field} ${JSON.stringify(data.identity[field])}, not ${JSON.stringify(identity[field])}); use another --checkpoint`,
        );
      }
    }
    return new Checkpoint(path, data, true);
  }

  get doneCount(): number {
    return Object.keys(this.data.done).length;
  }

  get overwrite(): OverwriteRecord | undefined {
    return this.data.overwrite;
  }

  /** Whether the last run finished (not interrupted, not failed). */
  get completed(): boolean {
    return this.data.completedAt !== undefined;
  }

  /** Forgets every delivered object (after --overwrite removed what they had produced). */
  reset(): void {
    this.data.done = {};
    this.serialised.clear();
    delete this.data.completedAt;
  }

  /** Marks a run as started (so a crash leaves it incomplete) and saves. */
  async begin(): Promise<void> {
    delete this.data.completedAt;
    await this.save();
  }

  async markCompleted(): Promise<void> {
    this.data.completedAt = new Date().toISOString();
    await this.save();
  }

  /** Whether an object was delivered before: `changed` when its size or ETag (local: mtime) differ since. */
  status(object: { key: string; size: number; etag?: string; mtime?: number }): ObjectStatus {
    const entry = Object.hasOwn(this.data.done, object.key) ? this.data.done[object.key] : undefined;
    if (entry === undefined) return 'new';
    if (entry.size !== object.size) return 'changed';
    if (entry.etag !== undefined && object.etag !== undefined) return entry.etag === object.etag ? 'done' : 'changed';
    if (entry.mtime !== undefined && object.mtime !== undefined && Math.trunc(entry.mtime) !== Math.trunc(object.mtime)) return 'changed';
    return 'done';
  }

  /** Records delivered objects and saves; resolves once a save that includes them is on disk. */
  async markDone(objects: readonly { key: string; size: number; etag?: string; mtime?: number }[], at = Date.now()): Promise<void> {
    for (const o of objects) {
      const entry: DoneEntry = { size: o.size, etag: o.etag, mtime: o.mtime, at };
      this.data.done[o.key] = entry;
      this.serialised.set(o.key, `${JSON.stringify(o.key)}:${JSON.stringify(entry)}`);
    }
    await this.save();
  }

  async markOverwritten(record: OverwriteRecord): Promise<void> {
    this.data.overwrite = record;
    await this.save();
  }

  /** Writes the current state (temp file + rename), coalescing with a save in progress. */
  async save(): Promise<void> {
    const wanted = ++this.changes;
    while (this.savedChanges < wanted) {
      if (this.writing !== undefined) {
        await this.writing;
        continue;
      }
      const snapshot = this.changes;
      this.data.updatedAt = new Date().toISOString();
      const { done: _done, ...rest } = this.data;
      const head = JSON.stringify(rest);
      const text = `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"done":{${[...this.serialised.values()].join(',')}}}`;
      const write = writeFileAtomic(this.path, text).then(() => {
        this.savedChanges = Math.max(this.savedChanges, snapshot);
      });
      this.writing = write
        .catch(() => undefined)
        .finally(() => {
          this.writing = undefined;
        });
      await write;
    }
  }
}

/**
 * Where a feed waits between its two stages: prepared batches (structured-clone serialised), in memory up
 * to a limit and in a private file after that, read back in order. The import validates and prepares the
 * whole feed into a spool before it takes the store's write lock, so the lock is held only to write.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';

/** Serialised batches kept in memory before the spool moves to a file. */
const MEMORY_LIMIT = 32 * 1024 * 1024;

export class Spool<T> {
  private readonly memory: Buffer[] = [];
  private memoryBytes = 0;
  private dir?: string;
  private file?: FileHandle;
  private fileBytes = 0;
  private readonly frames: number[] = [];
  private count = 0;

  /** `dir`: where the spill file goes (a private directory is made inside it); default the OS temp dir. */
  constructor(
    private readonly parent: string = os.tmpdir(),
    private readonly memoryLimit = MEMORY_LIMIT,
  ) {}

  get batches(): number {
    return this.count;
  }

  async push(batch: T): Promise<void> {
    const buf = serialize(batch);
    this.count++;
    if (!this.file && this.memoryBytes + buf.length <= this.memoryLimit) {
      this.memory.push(buf);
      this.memoryBytes += buf.length;
      return;
    }
    if (!this.file) {
      this.dir = await mkdtemp(path.join(this.parent, 'ucpd-spool-'));
      this.file = await open(path.join(this.dir, 'batches'), 'w+', 0o600);
    }
    await this.file.write(buf, 0, buf.length, this.fileBytes);
    this.fileBytes += buf.length;
    this.frames.push(buf.length);
  }

  /** The batches in the order they were pushed. */
  async *read(): AsyncGenerator<T> {
    for (const buf of this.memory) yield deserialize(buf) as T;
    if (!this.file) return;
    let at = 0;
    for (const length of this.frames) {
      const buf = Buffer.allocUnsafe(length);
      await this.file.read(buf, 0, length, at);
      at += length;
      yield deserialize(buf) as T;
    }
  }

  async dispose(): Promise<void> {
    this.memory.length = 0;
    await this.file?.close().catch(() => undefined);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.file = undefined;
    this.dir = undefined;
  }
}

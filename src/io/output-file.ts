/**
 * An output file written as it is made (a call trace of millions of lines,
 * docs/record.md §5): text is encoded into a buffer of a MiB as it comes
 * (not gathered as a string, which the garbage collector would copy again and
 * again), and the buffer written when full, so memory is that MiB whatever
 * the file's size. A failure is an InputError on the path the user gave, as
 * writeTextFile says it.
 */

import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { closeInputFile, openInputFile, outputError, readChunk } from './read-file.js';

const BUFFER_SIZE = 1 << 20;

export class OutputFile {
  private fd: number | null;
  private readonly buf = Buffer.allocUnsafe(BUFFER_SIZE);
  private used = 0;

  /** Create (or truncate) `path`; `shownAs` is the path errors name (a temporary file's final name). */
  constructor(
    readonly path: string,
    private readonly shownAs = path,
  ) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw outputError(shownAs, e);
    }
  }

  write(text: string): void {
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    if (this.used + text.length * 3 > BUFFER_SIZE) {
      this.flush();
      if (text.length * 3 > BUFFER_SIZE) return this.writeBytes(Buffer.from(text, 'utf8'));
    }
    this.used += this.buf.write(text, this.used, 'utf8');
  }

  /** Append the bytes of the file at `path`, a chunk at a time. */
  copyFrom(path: string): void {
    this.flush();
    const f = openInputFile(path);
    try {
      const chunk = this.buf;
      for (let n = readChunk(f.fd, chunk, f.name); n > 0; n = readChunk(f.fd, chunk, f.name)) this.writeBytes(chunk.subarray(0, n));
    } finally {
      closeInputFile(f);
    }
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }

  /** Close and remove the file (what a failed run leaves: nothing). */
  discard(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.used = 0;
    rmSync(this.path, { force: true });
  }

  private flush(): void {
    if (this.used === 0) return;
    const n = this.used;
    this.used = 0;
    this.writeBytes(this.buf.subarray(0, n));
  }

  private writeBytes(b: Buffer): void {
    try {
      for (let off = 0; off < b.length; ) off += writeSync(this.fd!, b, off);
    } catch (e) {
      throw outputError(this.shownAs, e);
    }
  }
}

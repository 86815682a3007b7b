/**
 * A file read line by line, a chunk at a time: for inputs too big to hold as
 * one string (a recorded call log of millions of calls, docs/record.md §5).
 * Memory is one chunk plus the line being read, whatever the file's size.
 *
 * Lines are what `text.split('\n')` gives, without the empty piece after a
 * final newline: a `\r` before the newline is kept (the caller decides), and a
 * last line without a newline is still a line, reported as unterminated.
 */

import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../run/input-error.js';
import { closeInputFile, openInputFile, readChunk, READ_LIMIT } from './read-file.js';

/** Bytes read at a time. */
export const CHUNK_SIZE = 1 << 20;

/** Called with each line (no `\n`) and its number, from 1. */
export type OnLine = (line: string, lineNo: number) => void;

/** What a file held, once read to its end. */
export interface LinesRead {
  name: string;
  /** Lines seen: the number of the last one. */
  lines: number;
  /** The last line when the file does not end with a newline (it was passed to onLine too), else null. */
  unterminated: string | null;
}

/**
 * Text in pieces (bytes split anywhere, a UTF-8 character included, or strings) in, whole
 * lines out. A line longer than `maxLine` characters is an InputError at its start: nothing
 * that long is a line of a text input, and it would otherwise grow without bound.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  /** The start of a line whose end has not come yet. */
  private partial = '';
  private lineNo = 0;

  constructor(
    private readonly name: string,
    private readonly onLine: OnLine,
    private readonly maxLine = READ_LIMIT,
  ) {}

  /** Bytes, split anywhere (a UTF-8 character included). */
  pushBytes(buf: Buffer): void {
    this.pushText(this.decoder.write(buf));
  }

  /** Text, split anywhere. */
  pushText(text: string): void {
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl >= 0 && this.partial !== '') {
      const line = this.partial + text.slice(0, nl);
      this.partial = '';
      this.emit(line);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl >= 0) {
      this.emit(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (start < text.length) {
      this.partial += text.slice(start);
      if (this.partial.length > this.maxLine) this.tooLong();
    }
  }

  /** The end of the input: the last line, if it had no newline. */
  end(): LinesRead {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.emit(rest);
    return { name: this.name, lines: this.lineNo, unterminated: rest === '' ? null : rest };
  }

  private tooLong(): never {
    throw new InputError(this.name, this.lineNo + 1, 1, `a line longer than ${this.maxLine} characters: expected a text file of lines`);
  }

  private emit(line: string): void {
    if (line.length > this.maxLine) this.tooLong();
    this.lineNo++;
    this.onLine(line, this.lineNo);
  }
}

/**
 * Read `path` (`-`: standard input) line by line, `chunkSize` bytes at a time. The same
 * InputErrors as readTextFile for what is not a readable regular file, but no size limit.
 */
export function readLines(path: string, onLine: OnLine, chunkSize = CHUNK_SIZE): LinesRead {
  const f = openInputFile(path);
  try {
    const split = new LineSplitter(f.name, onLine);
    const buf = Buffer.allocUnsafe(chunkSize);
    for (let n = readChunk(f.fd, buf, f.name); n > 0; n = readChunk(f.fd, buf, f.name)) split.pushBytes(buf.subarray(0, n));
    return split.end();
  } finally {
    closeInputFile(f);
  }
}

/**
 * The lines of `path` as readLines reads them, pulled one at a time (a reader
 * that stops early closes the file): each line with its number, from 1.
 */
export function* linesOf(path: string, chunkSize = CHUNK_SIZE): Generator<[string, number]> {
  const f = openInputFile(path);
  try {
    const ready: [string, number][] = [];
    const split = new LineSplitter(f.name, (line, n) => ready.push([line, n]));
    const buf = Buffer.allocUnsafe(chunkSize);
    for (let n = readChunk(f.fd, buf, f.name); n > 0; n = readChunk(f.fd, buf, f.name)) {
      split.pushBytes(buf.subarray(0, n));
      yield* ready;
      ready.length = 0;
    }
    split.end();
    yield* ready;
  } finally {
    closeInputFile(f);
  }
}

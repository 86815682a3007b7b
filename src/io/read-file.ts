/**
 * The one reader of input files every command uses (scenarios, traces,
 * machine files, capture bundles): only regular files (or standard input),
 * at most READ_LIMIT bytes, and an InputError `FILE:1:1: ...` saying what
 * was wrong instead of a raw fs error, a hang on a FIFO or an endless read
 * of /dev/zero.
 */

import { closeSync, constants, fstatSync, openSync, readSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { InputError } from '../run/input-error.js';

/** Largest input read: 64 MiB (the biggest real capture is a few MiB). */
export const READ_LIMIT = 64 * 1024 * 1024;

const MIB = 1024 * 1024;

/** What a file that is not a regular file is, for messages. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A raw fs error as words. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links (a symlink loop)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENAMETOOLONG':
      return 'file name too long';
    default:
      return `cannot read (${code})`;
  }
}

/** Sleeps a few ms between reads of a non-blocking descriptor that has nothing yet. */
const WAIT = new Int32Array(new SharedArrayBuffer(4));

/**
 * Read into `buf` from the descriptor's position: the byte count, 0 at the end. A non-blocking
 * descriptor (standard input may be one) that has nothing yet is waited for and read again.
 */
export function readChunk(fd: number, buf: Buffer, name: string): number {
  for (;;) {
    try {
      return readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(WAIT, 0, 0, 5);
        continue;
      }
      throw new InputError(name, 1, 1, `${fsReason(e)}: expected a readable file`);
    }
  }
}

/** Read up to `limit` + 1 bytes of an open descriptor (`limitText`: the limit as the error names it). */
function readAll(fd: number, name: string, limit: number, limitText = `${limit / MIB} MiB input limit`): { text: string; bytes: number } {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(MIB, limit + 1 - total));
    const n = readChunk(fd, buf, name);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total > limit) throw new InputError(name, 1, 1, `larger than the ${limitText}: expected a scenario, trace, machine file or capture`);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), bytes: total };
}

/** An open input: the descriptor and the name messages give it. */
export interface InputFile {
  fd: number;
  name: string;
  /** Bytes, for a regular file; undefined for standard input. */
  size?: number;
}

/**
 * Open `path` for reading (`-`: standard input, named `<stdin>`, not to be closed). Throws
 * InputError at 1:1 of the file for anything that is not a readable regular file.
 */
export function openInputFile(path: string): InputFile {
  if (path === '-') return { fd: 0, name: '<stdin>' };
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the check below refuses it.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputError(path, 1, 1, `${fsReason(e)}: expected a readable file`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(path, 1, 1, `is ${kindOf(st)}: expected a regular file`);
    return { fd, name: path, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Close what openInputFile opened (standard input stays open). */
export function closeInputFile(f: InputFile): void {
  if (f.fd !== 0) closeSync(f.fd);
}

/**
 * The text of `path` (`-`: standard input, named `<stdin>`). Throws
 * InputError at 1:1 of the file for anything that is not a readable regular
 * file of at most `limit` bytes.
 */
export function readTextFile(path: string, limit = READ_LIMIT): { text: string; name: string } {
  const f = openInputFile(path);
  try {
    if (f.size !== undefined && f.size > limit) throw new InputError(path, 1, 1, `is ${f.size} bytes, larger than the ${limit / MIB} MiB input limit`);
    return { text: readAll(f.fd, f.name, limit).text, name: f.name };
  } finally {
    closeInputFile(f);
  }
}

/**
 * Largest call trace (a trace with a `machine` line) read as a scenario:
 * 128 MiB, about 1.5 x 10^6 calls. Its steps are compact enough that 10^6
 * calls (86 MB) replay under one design in about 0.75 GB, so ~1.1 GB here;
 * every other input stays within READ_LIMIT.
 */
export const CALL_TRACE_READ_LIMIT = 128 * MIB;

/**
 * The text of `path` as readTextFile reads it, except that a file over
 * READ_LIMIT is read, up to CALL_TRACE_READ_LIMIT, to be a call trace
 * (`isCallTrace`): anything else that large is refused with readTextFile's
 * error.
 */
export function readTextFileOrCallTrace(path: string, isCallTrace: (text: string) => boolean): { text: string; name: string } {
  const f = openInputFile(path);
  const limits = `${READ_LIMIT / MIB} MiB input limit (${CALL_TRACE_READ_LIMIT / MIB} MiB for a call trace)`;
  try {
    if (f.size !== undefined && f.size > CALL_TRACE_READ_LIMIT) throw new InputError(path, 1, 1, `is ${f.size} bytes, larger than the ${limits}`);
    const { text, bytes } = readAll(f.fd, f.name, CALL_TRACE_READ_LIMIT, limits);
    if (bytes > READ_LIMIT && !isCallTrace(text))
      throw new InputError(
        f.name,
        1,
        1,
        f.size !== undefined
          ? `is ${f.size} bytes, larger than the ${READ_LIMIT / MIB} MiB input limit`
          : `larger than the ${READ_LIMIT / MIB} MiB input limit: expected a scenario, trace, machine file or capture`,
      );
    return { text, name: f.name };
  } finally {
    closeInputFile(f);
  }
}

/** Why `path` is not a directory that can be listed, or null when it is one. */
export function notADirectory(path: string): string | null {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    return fsReason(e);
  }
  return st.isDirectory() ? null : `is ${kindOf(st)}`;
}

/** A failed write of an output file as an InputError on that path (a missing folder, a directory, ...), not a raw fs error. */
export function outputError(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? `folder ${dirname(path)} does not exist` : code === 'EISDIR' ? 'is a directory' : fsReason(e);
  return new InputError(path, 1, 1, `cannot write the output: ${why}`);
}

/** Write an output file (`-o`): a missing folder or an unwritable path is an InputError on that path, not a raw fs error. */
export function writeTextFile(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw outputError(path, e);
  }
}

/** A file another file names (a call trace's `machine ./machine.yaml`): relative paths are from that file's folder. */
export function readBeside(path: string, from: string): { text: string; name: string } {
  return readTextFile(isAbsolute(path) ? path : join(dirname(from), path));
}

/** Reading a named input file (or `-` for standard input) as text, with errors for people: the one reader of src/io/read-file.ts. */

import { readTextFile, readTextFileOrCallTrace } from '../io/read-file.js';
import { isFullCallTrace } from '../io/trace/call-trace.js';

/** The file's text and the name to use in messages (regular files only, at most 64 MiB; InputError `FILE:1:1:` otherwise). */
export function readInput(path: string): { text: string; name: string } {
  return readTextFile(path);
}

/** A scenario file or a call trace, for `run` and `compare`: as readInput, but a call trace may be up to 128 MiB (io/read-file.ts CALL_TRACE_READ_LIMIT). */
export function readScenarioInput(path: string): { text: string; name: string } {
  return readTextFileOrCallTrace(path, isFullCallTrace);
}

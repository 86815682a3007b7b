/** Reading a named input file (or `-` for standard input) as text, with errors for people: the one reader of src/io/read-file.ts. */

import { readTextFile } from '../io/read-file.js';

/** The file's text and the name to use in messages (regular files only, at most 64 MiB; InputError `FILE:1:1:` otherwise). */
export function readInput(path: string): { text: string; name: string } {
  return readTextFile(path);
}

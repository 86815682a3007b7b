/** Reading a named input file (or `-` for standard input) as text, with errors for people. */

import { readFileSync } from 'node:fs';
import { InputError } from '../run/input-error.js';

/** The file's text and the name to use in messages. */
export function readInput(path: string): { text: string; name: string } {
  if (path === '-') return { text: readFileSync(0, 'utf8'), name: '<stdin>' };
  try {
    return { text: readFileSync(path, 'utf8'), name: path };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code})`;
    throw new InputError(path, 1, 1, `${why}: expected a readable file`);
  }
}

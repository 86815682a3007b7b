/**
 * Errors in what a user gave patlab (a trace, a scenario, a machine file, a
 * capture). Each names the file, line and column and says what was expected;
 * the CLI prints it as one line `FILE:LINE:COL: message` and exits 2.
 */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${col}: ${detail}`);
    this.name = 'InputError';
  }
}

export { NotModelledError } from '../kernel/not-modelled.js';

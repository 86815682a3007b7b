/**
 * Errors in what a user gave patlab (a trace, a scenario, a machine file, a
 * capture). Each names the file, line and column and says what was expected;
 * the CLI prints it as one line `FILE:LINE:COL: message` and exits 2.
 */
export class InputError extends Error {
  readonly file: string;
  readonly detail: string;
  constructor(
    file: string,
    readonly line: number,
    readonly col: number,
    detail: string,
  ) {
    // One line whatever it quotes (a YAML block scalar, a capture line with control bytes): escape, do not embed.
    const f = escapeControls(file);
    const d = escapeControls(detail);
    super(`${f}:${line}:${col}: ${d}`);
    this.file = f;
    this.detail = d;
    this.name = 'InputError';
  }
}

/** Control bytes (C0, DEL, C1) and U+2028/U+2029 as escapes (`\\n`, `\\u001b`), so what is quoted stays on one line and prints no terminal codes. */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
  });
}

export { NotModelledError } from '../kernel/not-modelled.js';

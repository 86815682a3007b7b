/**
 * Raised where the model reaches something it does not model, instead of
 * guessing: "not modelled: ...". The CLI reports it like an input error
 * (exit 2), with a position when the caller knows one.
 */
export class NotModelledError extends Error {
  constructor(
    readonly what: string,
    readonly where?: { file: string; line: number; col: number },
  ) {
    super(`${where ? `${where.file}:${where.line}:${where.col}: ` : ''}not modelled: ${what}`);
    this.name = 'NotModelledError';
  }
}

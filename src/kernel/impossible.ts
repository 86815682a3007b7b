/**
 * Raised where a call asks for something no kernel could do, e.g. a page
 * allocation pinned to a pfn that is not free. The scenario runner reports
 * it as an input error at the step (exit 2); the kernel layer has no
 * positions.
 */
export class ImpossibleRequestError extends Error {
  constructor(readonly what: string) {
    super(what);
    this.name = 'ImpossibleRequestError';
  }
}

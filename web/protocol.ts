/**
 * The messages between the page (web/main.ts) and its compute workers
 * (web/worker.ts). A job's designs are shared out over the workers by index
 * (part `part` of `parts` runs designs part, part + parts, ...); part 0 also
 * collects the other parts' results over the message ports the page gave it,
 * renders the views and answers with the result or the error. Every worker
 * posts progress (its designs done) to the page. Each message carries the
 * job's `seq`, so the page can tell it from an older job's.
 */

/** Compare `text` under the designs `policies` (a `--policies` spec): this worker's part of the designs. */
export interface RunJob {
  type: 'run';
  seq: number;
  text: string;
  policies: string;
  part: number;
  parts: number;
  /** Part 0: one port per other part, on which that part's results arrive. Other parts: the port to part 0. */
  ports: MessagePort[];
}

/** One design's result, from a part to part 0 (`index` in the job's designs), or why the part stopped. */
export type PartReply = { index: number; result: import('../src/run/result.js').PolicyResult } | { index: -1; error: string };

/** Every built-in example under this part's share of every design, timed (the browser test's speed note). */
export interface SuiteJob {
  type: 'suite';
  seq: number;
  part: number;
  parts: number;
}

export type Job = RunJob | SuiteJob;

export interface Progress {
  type: 'progress';
  seq: number;
  /** The scenario's name, once it parsed. */
  name: string;
  part: number;
  /** Designs this part has finished. */
  done: number;
  total: number;
  /** The design this part runs next, when one does. */
  next?: string;
}

export interface RunResult {
  type: 'result';
  seq: number;
  name: string;
  designs: number;
  /** The comparison views, as the page shows them in #out. */
  html: string;
  /** Running and judging (boot included) on every part, until part 0 had every result; without rendering. */
  computeMs: number;
  renderMs: number;
}

export interface RunError {
  type: 'error';
  seq: number;
  message: string;
  /** Where in the text, for an input error (the editor underlines it). */
  at?: { line: number; col: number; detail: string };
  /** Thrown before any design ran (the text, the designs): every part stopped there too. */
  early?: boolean;
}

export interface SuiteResult {
  type: 'suite';
  seq: number;
  ms: number;
  scenarios: number;
  policies: number;
  runs: number;
}

export type Reply = Progress | RunResult | RunError | SuiteResult;

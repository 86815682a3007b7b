/**
 * The messages between the page (web/main.ts) and its compute worker
 * (web/worker.ts). The page sends a job; the worker answers with progress
 * (designs done of total) and then one result or one error, each tagged with
 * the job's `seq` so the page can tell them from an older job's.
 */

/** Compare `text` under the designs `policies` (a `--policies` spec) and render the views. */
export interface RunJob {
  type: 'run';
  seq: number;
  text: string;
  policies: string;
}

/** Every built-in example under every design, timed (the browser test's speed note). */
export interface SuiteJob {
  type: 'suite';
  seq: number;
}

export type Job = RunJob | SuiteJob;

export interface Progress {
  type: 'progress';
  seq: number;
  /** The scenario's name, once it parsed. */
  name: string;
  done: number;
  total: number;
  /** The design that runs next, when one does. */
  next?: string;
}

export interface RunResult {
  type: 'result';
  seq: number;
  name: string;
  designs: number;
  /** The comparison views, as the page shows them in #out. */
  html: string;
  /** Running and judging (boot included), without rendering. */
  computeMs: number;
  renderMs: number;
}

export interface RunError {
  type: 'error';
  seq: number;
  message: string;
  /** Where in the text, for an input error (the editor underlines it). */
  at?: { line: number; col: number; detail: string };
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

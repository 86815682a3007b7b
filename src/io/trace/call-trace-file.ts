/**
 * A call trace (a trace with a `machine` line) read from its file a line at
 * a time (docs/record.md §5): `patlab compare` of a recorded workload of
 * 10^7 calls keeps a chunk of the file and the steps' shared values, not the
 * steps. The file is read once whole to check it (the same errors, in the
 * same order, as a trace read as one text: the one parser is call-trace.ts's
 * FullTraceReader); a long one is then read again for each design.
 */

import { openInputFile, closeInputFile } from '../read-file.js';
import { InputError } from '../../run/input-error.js';
import { linesOf } from '../read-lines.js';
import type { Scenario, ScenarioStep, StepOrigin, StepSource } from '../../run/scenario.js';
import { FullTraceReader, traceLine, type MachineFileReader } from './call-trace.js';

/**
 * Whether `path` is a call trace to read as one: a regular file whose first
 * lines other than comments are `machine` and `kernel` (in either order),
 * with `machine` among them. Anything else (standard input, which cannot be
 * read twice; a YAML scenario; a trace whose `machine` line comes later,
 * which is an error the whole-text reader reports) is read whole as before.
 * Only the lines up to the first other keyword are read.
 */
export function isCallTraceFile(path: string): boolean {
  if (path === '-') return false;
  try {
    for (const [text, n] of linesOf(path)) {
      const l = traceLine(text, n);
      if (!l) continue;
      if (l.kw.text === 'machine') return true;
      if (l.kw.text !== 'kernel') return false;
    }
  } catch (e) {
    // Not a readable regular file: the reader that takes it whole says why.
    if (e instanceof InputError) return false;
    throw e;
  }
  return false;
}

/** The steps of the call trace at `path`, read again (its machine line is not read: the scenario has it). */
function* stepsIn(path: string): Generator<ScenarioStep> {
  const ready: ScenarioStep[] = [];
  const r = new FullTraceReader(path, { onStep: (st) => ready.push(st), machine: false });
  for (const [text, n] of linesOf(path)) {
    const l = traceLine(text, n);
    if (!l) continue;
    r.line(l);
    if (ready.length) {
      yield* ready;
      ready.length = 0;
    }
  }
  // A file changed since it was checked gets its error here.
  r.end();
}

/** A call-trace file's steps as a StepSource. */
export function callTraceSource(origin: StepOrigin): StepSource {
  return { origin, steps: () => stepsIn(origin.path) };
}

/**
 * Largest call-trace file whose steps are held once read (about 3.7 x 10^5 calls of the bench's
 * log, 100 MB of steps): parsing a line again costs about 5 us, a third of running it under one
 * design, so a trace this small is parsed once; a longer one is read again for each design.
 */
export const HOLD_STEPS_UP_TO = 32 * 1024 * 1024;

/**
 * The call trace at `path` as a scenario, checked whole: its steps held when the file is at
 * most `holdUpTo` bytes, else read from the file again on each run (Scenario.source). Either
 * way the runs give the same results; only memory and time differ.
 */
export function openCallTraceFile(path: string, readFile?: MachineFileReader, holdUpTo = HOLD_STEPS_UP_TO): Scenario {
  const f = openInputFile(path);
  const hold = f.size !== undefined && f.size <= holdUpTo;
  closeInputFile(f);
  const steps: ScenarioStep[] = [];
  const r = new FullTraceReader(path, { readFile, onStep: hold ? (st) => steps.push(st) : () => {} });
  for (const [text, n] of linesOf(path)) {
    const l = traceLine(text, n);
    if (l) r.line(l);
  }
  const { machine } = r.end();
  const sc: Scenario = { file: path, name: path, machine: machine!, steps };
  if (!hold) sc.source = callTraceSource({ kind: 'call-trace-file', path });
  return sc;
}

/**
 * The input contract of issue 15, checked on mutated inputs in-process: a
 * scenario or memtype trace either gives a result or an InputError /
 * NotModelledError whose message is one line `FILE:LINE:COL: ...`; any other
 * exception (an internal error) is a violation. Mutators: delete, duplicate
 * or replace a line, flip a character, truncate, insert a random token.
 */
import fc from '../fc.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { replayMemtypeTrace } from '../../src/io/trace/memtype-trace.js';
import { KERNEL_DRIVER } from '../../src/run/driver.js';
import { runScenario } from '../../src/run/execute.js';
import { InputError, NotModelledError } from '../../src/run/input-error.js';
import { filesUnder, REPO_ROOT, SHARED_DIR } from '../shared-dir.js';

export type Outcome = 'result' | 'input-error' | 'not-modelled' | 'violation';

const TOKENS = ['-', ':', '&a', '*a', '|', '>', '0x', '0xffffffffffffffff', '-1', '99999999', 'null', '{', '}', '[', ']', '"', "'", '\t', '\u0000', '\u001b[31m', 'steps:', 'machine:', 'expect:', 'as: p', 'order: 11', 'count: 100000', 'pages: p', 'addr: p', 'GFP_HIGHUSER', 'WC', 'UC-', 'reserve', 'free', '#', '\n  - ', 'é', '%'];


// The built-in suite (scenarios/suite) is left out: its 10^5-page scenario would make every mutant slow.
export const SCENARIOS = filesUnder(join(REPO_ROOT, 'scenarios'), '.yaml').filter((f) => !f.includes('/scenarios/suite/')).map((f) => ({ name: f.slice(REPO_ROOT.length + 1), text: readFileSync(f, 'utf8') }));
const TRACE_DIR = join(SHARED_DIR, 'golden', 'memtype');
export const TRACES = readdirSync(TRACE_DIR)
  .filter((f) => f.endsWith('.trace'))
  .sort()
  .map((f) => ({ name: f, text: readFileSync(join(TRACE_DIR, f), 'utf8') }));

/** A mutation of `text`, built from fast-check's draws. */
export function mutation(): fc.Arbitrary<(text: string) => string> {
  const at = fc.nat({ max: 1 << 20 });
  const lines = (f: (ls: string[], i: number) => void) => (text: string) => {
    const ls = text.split('\n');
    return (i: number) => {
      f(ls, i % Math.max(ls.length, 1));
      return ls.join('\n');
    };
  };
  return fc.oneof(
    at.map((i) => (t: string) => lines((ls, j) => ls.splice(j, 1))(t)(i)),
    at.map((i) => (t: string) => lines((ls, j) => ls.splice(j, 0, ls[j] ?? ''))(t)(i)),
    fc.tuple(at, at).map(([i, k]) => (t: string) => lines((ls, j) => (ls[j] = ls[k % ls.length] ?? ''))(t)(i)),
    fc.tuple(at, fc.integer({ min: 0, max: 0x7f })).map(([i, c]) => (t: string) => (t.length ? t.slice(0, i % t.length) + String.fromCharCode(c) + t.slice((i % t.length) + 1) : t)),
    at.map((i) => (t: string) => t.slice(0, i % (t.length + 1))),
    fc.tuple(at, fc.constantFrom(...TOKENS)).map(([i, tok]) => (t: string) => t.slice(0, i % (t.length + 1)) + tok + t.slice(i % (t.length + 1))),
  );
}

/** One to three mutations of one of `inputs`. */
export function mutated(inputs: { name: string; text: string }[]): fc.Arbitrary<{ name: string; text: string }> {
  return fc.tuple(fc.constantFrom(...inputs), fc.array(mutation(), { minLength: 1, maxLength: 3 })).map(([inp, ms]) => ({ name: inp.name, text: ms.reduce((t, m) => m(t), inp.text) }));
}

/** Steps run per scenario: a small limit keeps a mutated `count:` or duplicated loop cheap. */
const MAX_STEPS = 40;

/** Run one input; 'violation' with the exception when the contract breaks. */
export function classify(kind: 'scenario' | 'trace', inp: { name: string; text: string }): { outcome: Outcome; error?: unknown } {
  try {
    if (kind === 'scenario') {
      const sc = loadScenarioFile(inp.text, inp.name);
      runScenario(sc, KERNEL_DRIVER, { untilStep: MAX_STEPS });
    } else replayMemtypeTrace(inp.text, { file: inp.name });
    return { outcome: 'result' };
  } catch (e) {
    const ok = e instanceof InputError || e instanceof NotModelledError;
    const msg = e instanceof Error ? e.message : String(e);
    if (!ok || msg.includes('\n') || !/^[^\n]+:\d+:\d+: /.test(msg)) return { outcome: 'violation', error: e };
    return { outcome: e instanceof InputError ? 'input-error' : 'not-modelled' };
  }
}

/** Run `n` mutated inputs of `kind` with `seed`; counts per outcome and the first violations. */
export function fuzz(kind: 'scenario' | 'trace', n: number, seed: number): { counts: Record<Outcome, number>; violations: string[] } {
  const counts: Record<Outcome, number> = { result: 0, 'input-error': 0, 'not-modelled': 0, violation: 0 };
  const violations: string[] = [];
  const inputs = kind === 'scenario' ? SCENARIOS : TRACES;
  fc.assert(
    fc.property(mutated(inputs), (inp) => {
      const r = classify(kind, inp);
      counts[r.outcome]++;
      if (r.outcome === 'violation' && violations.length < 10) {
        const e = r.error;
        violations.push(`${inp.name}: ${e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}\n${e.stack?.split('\n').slice(1, 4).join('\n')}` : String(e)}\n--- input ---\n${inp.text.slice(0, 2000)}`);
      }
      return true;
    }),
    { numRuns: n, seed },
  );
  return { counts, violations };
}

/**
 * The input contract of issue 15, checked on mutated inputs in-process: a
 * memtype trace, a one-line call trace, a scenario, a machine file, an
 * explore vocabulary or a capture bundle either gives a result or an
 * InputError / NotModelledError whose message is one line
 * `FILE:LINE:COL: ...`; any other exception (an internal error) is a
 * violation, and so is an answer that takes more than 10 s or more than 1 GiB
 * of memory above what the process held before the case. Mutators: delete, duplicate
 * or replace a line, flip a character, truncate, insert a random token.
 */
import fc from '../fc.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { replayMemtypeTrace } from '../../src/io/trace/memtype-trace.js';
import { replayCallTrace } from '../../src/io/trace/call-trace.js';
import { loadMachine } from '../../src/io/machine/load-machine.js';
import { parseVocabulary } from '../../src/io/explore/vocabulary.js';
import { importBundle } from '../../src/io/capture/import.js';
import { bootKernel } from '../../src/kernel/kernel.js';
import type { MachineSpec } from '../../src/kernel/machine.js';
import { selectPolicies } from '../../src/policy/registry.js';
import { exploreDesign } from '../../src/run/explore/explore.js';
import { INVARIANTS } from '../../src/run/explore/invariants.js';
import { CALLS, KERNEL_DRIVER } from '../../src/run/driver.js';
import { runScenario } from '../../src/run/execute.js';
import { InputError, NotModelledError } from '../../src/run/input-error.js';
import { filesUnder, REPO_ROOT, SHARED_DIR } from '../shared-dir.js';

export type Outcome = 'result' | 'input-error' | 'not-modelled' | 'violation';
export const KINDS = ['trace', 'call-trace', 'scenario', 'machine', 'vocabulary', 'capture'] as const;
export type Kind = (typeof KINDS)[number];

const TOKENS = ['-', ':', '&a', '*a', '|', '>', '0x', '0xffffffffffffffff', '-1', '99999999', 'null', '{', '}', '[', ']', '"', "'", '\t', '\u0000', '\u001b[31m', 'steps:', 'machine:', 'expect:', 'as: p', 'order: 11', 'count: 100000', 'pages: p', 'addr: p', 'GFP_HIGHUSER', 'WC', 'UC-', 'reserve', 'free', '#', '\n  - ', 'é', '%'];


// The built-in suite (scenarios/suite) is left out: its 10^5-page scenario would make every mutant slow.
export const SCENARIOS = filesUnder(join(REPO_ROOT, 'scenarios'), '.yaml').filter((f) => !f.includes('/scenarios/suite/')).map((f) => ({ name: f.slice(REPO_ROOT.length + 1), text: readFileSync(f, 'utf8') }));
const TRACE_DIR = join(SHARED_DIR, 'golden', 'memtype');
export const TRACES = readdirSync(TRACE_DIR)
  .filter((f) => f.endsWith('.trace'))
  .sort()
  .map((f) => ({ name: f, text: readFileSync(join(TRACE_DIR, f), 'utf8') }));

export const CALL_TRACES = readdirSync(join(REPO_ROOT, 'test', 'fixtures', 'call-traces'))
  .sort()
  .map((f) => ({ name: f, text: readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'call-traces', f), 'utf8') }));
export const MACHINES = readdirSync(join(REPO_ROOT, 'machines'))
  .filter((f) => f.endsWith('.yaml') && f !== 'index.yaml')
  .sort()
  .map((f) => ({ name: `machines/${f}`, text: readFileSync(join(REPO_ROOT, 'machines', f), 'utf8') }));
export const VOCABULARIES = ['default.yaml', 'wide.yaml'].map((f) => ({ name: `explore/${f}`, text: readFileSync(join(REPO_ROOT, 'explore', f), 'utf8') }));
const CAPTURE_ROOT = join(SHARED_DIR, 'captures');
/** Capture bundles as one input each: their files joined, each after a `=== NAME` line (split back before importing). */
export const CAPTURES = existsSync(CAPTURE_ROOT)
  ? readdirSync(CAPTURE_ROOT)
      .filter((d) => statSync(join(CAPTURE_ROOT, d)).isDirectory())
      .sort()
      .map((d) => ({ name: d, text: readdirSync(join(CAPTURE_ROOT, d)).sort().map((f) => `=== ${f}\n${readFileSync(join(CAPTURE_ROOT, d, f), 'utf8')}`).join('\n') }))
  : [];
const inputsOf: Record<Kind, () => { name: string; text: string }[]> = {
  trace: () => TRACES,
  'call-trace': () => CALL_TRACES,
  scenario: () => SCENARIOS,
  machine: () => MACHINES,
  vocabulary: () => VOCABULARIES,
  capture: () => CAPTURES,
};
const FUZZ_DIR = mkdtempSync(join(tmpdir(), 'patlab-fuzz-'));

/** Write a joined capture back as a bundle folder (a mutated `=== NAME` line makes an odd file name, which the importer must also take). */
function writeBundle(text: string): string {
  const dir = mkdtempSync(join(FUZZ_DIR, 'b-'));
  for (const part of text.split(/^=== /m).slice(1)) {
    const nl = part.indexOf('\n');
    const name = (nl < 0 ? part : part.slice(0, nl)).replace(/[\/\u0000]/g, '_').slice(0, 100) || '_';
    writeFileSync(join(dir, name), nl < 0 ? '' : part.slice(nl + 1));
  }
  return dir;
}

/** Total usable RAM of a machine, to boot only machines that boot fast (mutants may name terabytes). */
function ramBytes(m: MachineSpec): number {
  return m.e820.reduce((n, e) => n + (e.type === 'usable' ? e.end - e.start : 0), 0);
}

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
export function classify(kind: Kind, inp: { name: string; text: string }): { outcome: Outcome; error?: unknown } {
  let dir: string | null = null;
  try {
    if (kind === 'scenario') {
      const sc = loadScenarioFile(inp.text, inp.name);
      runScenario(sc, KERNEL_DRIVER, { untilStep: MAX_STEPS });
    } else if (kind === 'trace') replayMemtypeTrace(inp.text, { file: inp.name });
    else if (kind === 'call-trace') {
      // Mutants may drop the `machine` header: a v1 replay then, as the CLI does.
      if (inp.text.split('\n').length <= MAX_STEPS * 2) replayCallTrace(inp.text, { file: inp.name });
    } else if (kind === 'machine') {
      const m = loadMachine(inp.text, inp.name);
      if (ramBytes(m) <= 2 ** 31) bootKernel(m);
    } else if (kind === 'vocabulary') {
      const v = parseVocabulary(inp.text, inp.name, CALLS);
      if (ramBytes(v.machine) <= 2 ** 31) exploreDesign(v, selectPolicies('baseline')[0]!, { depth: 1, maxStates: 50, invariants: INVARIANTS });
    } else {
      dir = writeBundle(inp.text);
      importBundle(dir);
    }
    return { outcome: 'result' };
  } catch (e) {
    const ok = e instanceof InputError || e instanceof NotModelledError;
    const msg = e instanceof Error ? e.message : String(e);
    if (!ok || msg.includes('\n') || !/^[^\n]+:\d+:\d+: /.test(msg)) return { outcome: 'violation', error: e };
    return { outcome: e instanceof InputError ? 'input-error' : 'not-modelled' };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** The contract's bounds per case: an answer within 10 s, using at most 1 GiB. */
export const BOUNDS = { seconds: 10, bytes: 2 ** 30 };

/** Run one case under `bounds`: a result or error past either bound is a violation. */
export function withinBounds(run: () => { outcome: Outcome; error?: unknown }, bounds = BOUNDS): { outcome: Outcome; error?: unknown } {
  const rssBefore = process.memoryUsage.rss();
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const r = run();
  if (r.outcome === 'violation') return r;
  const s = (performance.now() - t0) / 1000;
  if (s > bounds.seconds) return { outcome: 'violation', error: new Error(`took ${s.toFixed(1)} s (the contract allows ${bounds.seconds} s)`) };
  // The process's peak RSS is monotone: a case that raised it to more than the bound above the RSS it
  // started from used more than the bound; one that did not raise it stayed under an earlier peak,
  // which its own case was checked against.
  const peak = process.resourceUsage().maxRSS * 1024;
  if (peak > peakBefore && peak - rssBefore > bounds.bytes)
    return { outcome: 'violation', error: new Error(`used ${((peak - rssBefore) / 2 ** 20).toFixed(0)} MiB (the contract allows ${(bounds.bytes / 2 ** 20).toFixed(0)} MiB)`) };
  return r;
}

/** Run `n` mutated inputs of `kind` with `seed`; counts per outcome and the first violations. */
export function fuzz(kind: Kind, n: number, seed: number): { counts: Record<Outcome, number>; violations: string[] } {
  const counts: Record<Outcome, number> = { result: 0, 'input-error': 0, 'not-modelled': 0, violation: 0 };
  const violations: string[] = [];
  const inputs = inputsOf[kind]();
  fc.assert(
    fc.property(mutated(inputs), (inp) => {
      const r = withinBounds(() => classify(kind, inp));
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

/**
 * `patlab explain SCENARIO --policy X (--mapping HANDLE | --pfn PFN) [--step N]`
 * (issue 12 item 5): run the scenario under one design up to step N (default:
 * the last), with the kernel's decision log recording, and print the chain
 * that gave a mapping (or every live mapping of a pfn) its memory type.
 * SCENARIO is a file, `-`, or the name of a built-in suite scenario.
 * Exit 0; 2 for bad input.
 */

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { explainRuns, liveMappingsOfPfn, mappingsInRange } from '../check/explain.js';
import { kvToBigint } from '../kernel/context.js';
import type { Kernel } from '../kernel/kernel.js';
import { DEBATE_SUITE } from '../io/compare/debate-suite.js';
import { didYouMean } from '../io/did-you-mean.js';
import { InputError } from '../run/input-error.js';
import { parseNumber } from '../io/numbers.js';
import { hex } from '../hw/hex.js';
import { explainToJson, explainToText, type ExplainReport } from '../io/render/explain-text.js';
import { KERNEL_DRIVER } from '../run/driver.js';
import { runScenario } from '../run/execute.js';
import { loadScenarioFile } from '../io/scenario/load.js';
import type { Scenario } from '../run/scenario.js';
import { PolicyError, selectPolicies, type SelectedPolicy } from '../policy/registry.js';
import { readInput } from './read-input.js';
import { readBeside } from '../io/read-file.js';
import { writeStdout } from './write-stdout.js';

const CMD = '<command line>';

function bad(msg: string): never {
  throw new InputError(CMD, 1, 1, msg);
}

interface ExplainOpts {
  policy: string;
  mapping?: string;
  pfn?: string;
  step?: string;
  format: string;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('show the chain of kernel decisions and hardware lookups that gave a mapping its memory type')
    .argument('<scenario>', 'scenario YAML file, - for stdin, or a built-in suite scenario name')
    .option('--policy <name>', 'the design to run under (a name or an a+b composition)', 'baseline')
    .option('--mapping <handle>', "a mapping the scenario names with 'as:'")
    .option('--pfn <pfn>', 'a page frame number: every live mapping of it')
    .option('--step <n>', 'explain the state after step N (0 = boot; default: the last step)')
    .option('--format <format>', 'text or json', 'text')
    .action(async (path: string, o: ExplainOpts) => {
      if (o.format !== 'text' && o.format !== 'json') bad(`unknown format '${o.format}': expected text or json`);
      if ((o.mapping === undefined) === (o.pfn === undefined)) bad('expected exactly one of --mapping HANDLE or --pfn PFN');
      const policy = onePolicy(o.policy);
      const sc = loadScenario(path);
      const last = sc.steps.length ? sc.steps[sc.steps.length - 1]!.index : 0;
      const step = o.step === undefined ? last : stepNumber(o.step, last);
      const out = runScenario(sc, KERNEL_DRIVER, {
        hooks: policy.hooks,
        untilStep: step,
        // Right after boot: record the kernel's decisions from the first step on.
        onStep: (k, s) => {
          if (s === 0) k.log.chain = [];
        },
      });
      const k = out.kernel;
      const reached = out.steps.length ? out.steps[out.steps.length - 1]! : null;
      const call = step === 0 ? 'boot' : (sc.steps.find((s) => s.index === step)?.call ?? 'boot');
      if (out.fatal && out.fatal.step < step) bad(`step ${step} was not reached: step ${out.fatal.step} ended in ${out.fatal.what}; expected --step ${out.fatal.step} or earlier`);
      let target: string;
      let mappings;
      if (o.mapping !== undefined) {
        target = `mapping ${o.mapping}`;
        const h = out.handles.get(o.mapping);
        if (!h) {
          const later = sc.steps.find((s) => s.as === o.mapping);
          if (later && later.index > (reached?.index ?? 0))
            bad(`mapping '${o.mapping}' does not exist yet at step ${step}: step ${later.index} (${later.call}) creates it; expected --step ${later.index} or later`);
          const names = [...out.handles.keys()];
          bad(`unknown handle '${o.mapping}'${didYouMean(o.mapping, names)}: expected one of ${names.join(', ') || '(none: no step up to here names one with as:)'}`);
        }
        if (h.kind !== 'mapping') {
          const maps = [...out.handles].filter(([, v]) => v.kind === 'mapping').map(([n]) => n);
          bad(`'${o.mapping}' is ${h.kind === 'pages' ? 'pages' : `a ${h.kind}`}, not a mapping: expected a mapping handle (${maps.join(', ') || 'none so far'})${h.kind === 'pages' ? ', or --pfn for a page' : ''}`);
        }
        const runs = mappingsInRange(k, h.vaddr, h.size, h.phys);
        if (runs.length === 0) bad(`mapping '${o.mapping}' has no page mapped at step ${step}: expected a step at which it is mapped (a user mapping is filled by faults)`);
        mappings = explainRuns(k, runs, { vaddr: h.vaddr, size: h.size });
      } else {
        const n = parseNumber(o.pfn);
        if (!n.ok) bad(`bad --pfn: ${n.why}`);
        target = `pfn ${hex(n.value)}`;
        const runs = liveMappingsOfPfn(k, n.value);
        if (runs.length === 0) bad(`pfn ${hex(n.value)} has no mapping at step ${step}: expected a pfn that is mapped then (the direct map covers lowmem RAM)`);
        mappings = explainRuns(k, runs).filter((m) => m.pfn === n.value);
      }
      const report: ExplainReport = { scenario: sc.name, policy: policy.name, step, call, target, mappings, showVaddr: (v) => showVaddr(k, v) };
      await writeStdout(o.format === 'json' ? JSON.stringify(explainToJson(report), null, 2) + '\n' : explainToText(report));
    });
}

function onePolicy(spec: string): SelectedPolicy {
  let ps: SelectedPolicy[];
  try {
    ps = selectPolicies(spec, (w, c) => didYouMean(w, c));
  } catch (e) {
    if (e instanceof PolicyError) bad(e.message);
    throw e;
  }
  if (ps.length !== 1) bad(`--policy '${spec}' names ${ps.length} designs: expected one (a name or an a+b composition)`);
  return ps[0]!;
}

function loadScenario(path: string): Scenario {
  const builtin = DEBATE_SUITE.find((s) => s.name === path);
  if (builtin && !existsSync(path)) return loadScenarioFile(builtin.yaml, `<built-in ${builtin.name}>`);
  const { text, name } = readInput(path);
  return loadScenarioFile(text, name, readBeside);
}

function stepNumber(s: string, last: number): number {
  const n = /^[0-9]+$/.test(s) ? Number(s) : NaN;
  if (!(n >= 0 && n <= last)) bad(`--step '${s}' is out of range: expected a step from 0 (boot) to ${last}`);
  return n;
}

/** A stored virtual address as the kernel prints it (kernel addresses carry the x86-64 bias). */
function showVaddr(k: Kernel, v: number): string {
  return v < k.layout.pageOffset ? hex(v) : hex(kvToBigint(k.layout, v));
}

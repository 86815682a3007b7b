/**
 * `patlab explore [--policies all|a,b,a+b] [--machine PRESET|FILE] [--depth N]
 * [--calls FILE] [--invariants LIST] [--max-states N] [--out DIR]
 * [--format text|json|html] [--threads N]`: per design, the shortest call sequence
 * that breaks each invariant, or how far none does (docs/explore.md).
 */

import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { packagedFile } from '../io/data/files.js';
import { didYouMean } from '../io/did-you-mean.js';
import { counterexampleYaml } from '../io/explore/counterexample-yaml.js';
import { designsJson } from '../io/explore/explore-json.js';
import { parseVocabulary } from '../io/explore/vocabulary.js';
import { loadMachine, loadPreset } from '../io/machine/load-machine.js';
import { presetNames } from '../io/machine/presets.js';
import { notADirectory, writeTextFile } from '../io/read-file.js';
import { exploreToText, type ExploreReport } from '../io/render/explore-text.js';
import type { ExploreCase } from '../io/render/explore-html.js';
import { loadScenarioFile } from '../io/scenario/load.js';
import { compareScenario } from '../run/compare.js';
import { PolicyError, selectPolicies } from '../policy/registry.js';
import { CALLS } from '../run/driver.js';
import { exploreParallel } from '../run/explore/parallel.js';
import { INVARIANTS, type InvariantName } from '../run/explore/invariants.js';
import { InputError } from '../run/input-error.js';
import { readInput } from './read-input.js';
import { writeStdout } from './write-stdout.js';

const CLI = '<command line>';

function intOption(v: string | undefined, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new InputError(CLI, 1, 1, `bad --${name} '${v}': expected an integer from ${min} to ${max}`);
  return n;
}

export function registerExplore(program: Command): void {
  program
    .command('explore')
    .description('search call sequences breadth-first for the shortest one that breaks each invariant under each design')
    .option('--policies <list>', "'all', or names and a+b compositions, comma-separated", 'all')
    .option('--machine <preset|file>', "the machine to boot (default: the vocabulary's)")
    .option('--depth <n>', 'longest call sequence to search', '4')
    .option('--calls <file>', 'the call vocabulary (default: the built-in one, explore/default.yaml)')
    .option('--invariants <list>', `comma-separated, or all: ${INVARIANTS.join(', ')}`, 'all')
    .option('--max-states <n>', 'stop a design after this many distinct states', '200000')
    .option('--out <dir>', 'write each counterexample there as a scenario file')
    .option('--format <format>', 'text, json or html (one self-contained file: each counterexample compared under every design)', 'text')
    .option('--threads <n>', 'worker threads (default: up to 4, one per CPU; 1 = in this process); the output does not depend on it')
    .action(async (o: { policies: string; machine?: string; depth: string; calls?: string; invariants: string; maxStates: string; out?: string; format: string; threads?: string }) => {
      if (o.format !== 'text' && o.format !== 'json' && o.format !== 'html') throw new InputError(CLI, 1, 1, `unknown format '${o.format}': expected text, json or html`);
      const depth = intOption(o.depth, 'depth', 4, 1, 12);
      const maxStates = intOption(o.maxStates, 'max-states', 200000, 1, 10_000_000);
      const threads = o.threads === undefined ? undefined : intOption(o.threads, 'threads', 1, 1, 64);
      const invariants: InvariantName[] =
        o.invariants === 'all'
          ? [...INVARIANTS]
          : o.invariants.split(',').map((x) => {
              const name = x.trim();
              if (!(INVARIANTS as readonly string[]).includes(name)) throw new InputError(CLI, 1, 1, `unknown invariant '${name}'${didYouMean(name, INVARIANTS)}: expected ${INVARIANTS.join(', ')} or all`);
              return name as InvariantName;
            });
      let policies;
      try {
        policies = selectPolicies(o.policies, (w, c) => didYouMean(w, c));
      } catch (e) {
        if (e instanceof PolicyError) throw new InputError(CLI, 1, 1, e.message);
        throw e;
      }
      const src = o.calls !== undefined ? readInput(o.calls) : { text: packagedFile('explore/default.yaml'), name: '<built-in explore/default.yaml>' };
      const vocab = parseVocabulary(src.text, src.name, CALLS);
      if (o.machine !== undefined) {
        if (presetNames().includes(o.machine)) {
          vocab.machine = loadPreset(o.machine);
          vocab.machineYaml = o.machine;
        } else {
          const m = readInput(o.machine);
          vocab.machine = loadMachine(m.text, m.name);
          vocab.machineYaml = m.text.replace(/\s+$/, '');
        }
      }
      if (o.out !== undefined) {
        try {
          mkdirSync(o.out, { recursive: true });
        } catch {
          /* said below */
        }
        const why = notADirectory(o.out);
        if (why) throw new InputError(o.out, 1, 1, `cannot write counterexamples there: ${why}`);
      }
      const designs = await exploreParallel(vocab, policies, { depth, maxStates, invariants }, threads);
      const report: ExploreReport = { vocabulary: vocab.name, machine: vocab.machine.name, calls: vocab.calls.length, depth, maxStates, invariants, designs };
      if (o.out !== undefined) {
        report.written = new Map();
        for (const d of designs)
          for (const x of d.results) {
            if (!x.counterexample) continue;
            const file = `${o.out.replace(/\/$/, '')}/${d.policy}--${x.invariant}.yaml`;
            writeTextFile(file, counterexampleYaml(x.counterexample, d.policy, vocab.name, vocab.machineYaml, file));
            report.written.set(`${d.policy}|${x.invariant}`, file);
          }
      }
      if (o.format === 'json') {
        const json = { format: 'patlab-explore/1', vocabulary: vocab.name, machine: vocab.machine.name, depth, maxStates, invariants, designs: designsJson(designs) };
        await writeStdout(JSON.stringify(json, null, 2) + '\n');
      } else if (o.format === 'html') {
        // Each distinct counterexample once, run as a scenario under every design explored.
        const { exploreToHtml, sequenceKey } = await import('../io/render/explore-html.js');
        const cases: ExploreCase[] = [];
        for (const d of designs)
          for (const x of d.results) {
            if (!x.counterexample) continue;
            const key = sequenceKey(x.counterexample);
            const same = cases.find((c) => sequenceKey(c.cx) === key);
            if (same) {
              same.foundFor.push({ policy: d.policy, invariant: x.invariant });
              continue;
            }
            const name = `${d.policy}--${x.invariant}`;
            const sc = loadScenarioFile(counterexampleYaml(x.counterexample, d.policy, vocab.name, vocab.machineYaml, `${name}.yaml`), `<counterexample ${name}>`);
            cases.push({ id: `cx-${cases.length + 1}`, cx: x.counterexample, foundFor: [{ policy: d.policy, invariant: x.invariant }], comparison: compareScenario(sc, policies) });
          }
        await writeStdout(await exploreToHtml(report, cases));
      } else await writeStdout(exploreToText(report));
    });
}

/**
 * `patlab compare [SCENARIO...] [--policies all|a,b,a+b] [--format text|json|html] [-o FILE]`:
 * each scenario under each design, side by side. With no scenario, the
 * built-in debate suite (what `npm start` runs).
 */

import { writeTextFile } from '../io/read-file.js';
import type { Command } from 'commander';
import { compareScenario } from '../run/compare.js';
import { DEBATE_SUITE } from '../io/compare/debate-suite.js';
import { didYouMean } from '../io/did-you-mean.js';
import { InputError } from '../run/input-error.js';
import { compareToJson } from '../io/render/compare-json.js';
import { compareToText } from '../io/render/compare-text.js';
import { diffToText } from '../io/render/diff-text.js';
import { diffDesigns } from '../run/diff.js';
import { loadScenarioFile } from '../io/scenario/load.js';
import { isCallTraceFile, openCallTraceFile } from '../io/trace/call-trace-file.js';
import { describeAll, PolicyError, selectPolicies } from '../policy/registry.js';
import { policiesText } from './policies.js';
import { summaryText } from '../run/summary.js';
import { compareParallel } from '../run/parallel.js';
import { readInput, readScenarioInput } from './read-input.js';
import { readBeside } from '../io/read-file.js';
import { precomputedCitation, readExploreCitation } from '../io/explore/explore-json.js';
import { writeStdout } from './write-stdout.js';

// The HTML renderer (Vega, ~0.2 s to load) is imported only when --format html asks for it.
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('run scenarios under each design of the debate and compare effective modes, aliases, downgrades, hazards and costs')
    .argument('[scenarios...]', 'scenario files (default: the built-in debate suite)')
    .option('--policies <list>', "'all', 'list' (describe them), or names and a+b compositions, comma-separated", 'all')
    .option('--format <format>', 'text, json or html (one self-contained file)', 'text')
    .option('-o, --output <file>', 'write to FILE instead of standard output')
    .option('--summary', "print the debate's summary table (spec 06 §4) measured over the scenarios")
    .option('--diff <a,b>', 'only what differs between two designs (text or json)')
    .option('--threads <n>', 'worker threads (default: up to 4, one per CPU; 1 = in this process)')
    .option('--explore <file>', "cite a 'patlab explore --format json' result in the bottom line (its verdict for each design compared)")
    .action(async (paths: string[], o: { policies: string; format: string; output?: string; threads?: string; summary?: boolean; diff?: string; explore?: string }) => {
      if (o.format !== 'text' && o.format !== 'json' && o.format !== 'html')
        throw new InputError('<command line>', 1, 1, `unknown format '${o.format}': expected text, json or html`);
      let diff: [string, string] | null = null;
      if (o.diff !== undefined) {
        const two = o.diff.split(',').map((x) => x.trim());
        if (two.length !== 2 || !two[0] || !two[1] || two[0] === two[1]) throw new InputError('<command line>', 1, 1, `bad --diff '${o.diff}': expected two different designs, e.g. --diff baseline,insert-honours-prot`);
        if (o.format === 'html') throw new InputError('<command line>', 1, 1, '--diff prints text or json: expected --format text or --format json');
        if (o.summary) throw new InputError('<command line>', 1, 1, '--diff and --summary are two different reports: expected one of them');
        if (o.policies !== 'all') throw new InputError('<command line>', 1, 1, '--diff names its two designs: expected no --policies with it');
        diff = [two[0], two[1]];
        o.policies = o.diff;
      }
      if (o.policies === 'list') {
        await writeStdout(policiesText(describeAll()));
        return;
      }
      // The built-in suite's report cites the shipped explore result unless another is given.
      const explore =
        o.explore !== undefined ? (({ text, name }) => readExploreCitation(text, name))(readInput(o.explore)) : paths.length === 0 && o.format === 'html' ? precomputedCitation() : undefined;
      let policies;
      try {
        policies = selectPolicies(o.policies, (w, c) => didYouMean(w, c));
      } catch (e) {
        if (e instanceof PolicyError) throw new InputError('<command line>', 1, 1, e.message);
        throw e;
      }
      const threads = o.threads === undefined ? undefined : Number(o.threads);
      if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
        throw new InputError('<command line>', 1, 1, `bad --threads '${o.threads}': expected a whole number >= 1`);
      // Only the HTML report draws timelines, memory strips and lanes.
      const detail = (o.format === 'html' && !o.summary) || diff !== null; // the diff compares each step's messages
      // Parse every scenario here first, so input errors are reported before any work starts.
      // Only the scenario is kept, not its text (86 MB for a 10^6-call trace).
      // A call trace's steps are not kept at all: its file is read again for each design (docs/record.md §5).
      const sources = paths.length
        ? paths.map((p) => {
            if (isCallTraceFile(p)) return { file: p, scenario: openCallTraceFile(p, readBeside) };
            const { text, name } = readScenarioInput(p);
            return { file: name, scenario: loadScenarioFile(text, name, readBeside) };
          })
        : DEBATE_SUITE.map((s) => ({ file: `<built-in ${s.name}>`, scenario: loadScenarioFile(s.yaml, `<built-in ${s.name}>`) }));
      // Progress on stderr, only for a person watching (a TTY) and only once the work has taken a second.
      const t0 = Date.now();
      let shown = false;
      const progress = (done: number, total: number): void => {
        if (!process.stderr.isTTY || Date.now() - t0 < 1000) return;
        shown = true;
        process.stderr.write(`\rpatlab compare: ${done}/${total} runs`);
      };
      const total = sources.length * policies.length;
      // The report's renderer (charts, ~0.2 s to load) loads while the workers compute; only the HTML branch below reads it.
      const html = o.format === 'html' && !o.summary && diff === null ? import('../io/render/compare-html.js') : undefined;
      let results;
      if (threads === 1 || total === 1) {
        let done = 0;
        results = sources.map((s) => compareScenario(s.scenario, policies, { detail, onResult: () => progress(++done, total) }));
      } else results = await compareParallel(sources.map((s) => s.scenario), policies, threads, { detail, onResult: progress, worker: new URL('./compare-worker.js', import.meta.url) });
      if (shown) process.stderr.write('\r\x1b[K');
      const d = diff ? diffDesigns(results, policies[0]!.name, policies[1]!.name) : null;
      const out = d
        ? o.format === 'json' ? JSON.stringify({ format: 'patlab-diff/1', ...d }, null, 2) + '\n' : diffToText(d)
        : o.summary
        ? summaryText(results)
        : o.format === 'html' ? await (await html!).compareToHtml(results, explore) : o.format === 'json' ? JSON.stringify(compareToJson(results, explore), null, 2) + '\n' : compareToText(results, explore);
      if (o.output) writeTextFile(o.output, out);
      else await writeStdout(out);
    });
}

/**
 * `patlab run SCENARIO`: boot the scenario's machine, run its steps, print
 * each step's result and kernel messages, then the final state
 * (`--format text|json`), or exactly one kernel file or line (`--show`).
 * A machine file (no `steps:`) runs as a scenario with no steps.
 * Exit 0; 1 when an `expect:` is not met; 2 for bad input. A call trace's text output is written
 * as its steps run, from the file (docs/record.md §5), so a trace of any size runs.
 */

import type { Command } from 'commander';
import { InputError } from '../run/input-error.js';
import { runToJson } from '../io/render/run-json.js';
import { runHeadText, runTailText, runToText, stepText } from '../io/render/run-text.js';
import { isCallTraceFile, openCallTraceFile } from '../io/trace/call-trace-file.js';
import { loadScenarioFile, SHOW_CHOICES, showKernelText } from '../io/scenario/load.js';
import { runScenario, runScenarioPaced, type RunOptions, type StepOutcome } from '../run/execute.js';
import { KERNEL_DRIVER } from '../run/driver.js';
import type { Kernel } from '../kernel/kernel.js';
import { didYouMean } from '../io/did-you-mean.js';
import { PolicyError, selectPolicies, type SelectedPolicy } from '../policy/registry.js';
import { readScenarioInput } from './read-input.js';
import { readBeside } from '../io/read-file.js';
import { writeStdout } from './write-stdout.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a scenario (or boot a machine file) and print each step, the kernel messages and the final state')
    .argument('<scenario>', 'scenario or machine YAML file, or - for stdin')
    .option('--format <format>', 'text or json', 'text')
    .option('--policy <design>', "run under one design ('patlab policies' lists them; default: today's kernel)")
    .option('--show <what>', `print exactly the kernel's text for one of: ${SHOW_CHOICES.join(', ')}`)
    .action(async (path: string, o: { format: string; show?: string; policy?: string }) => {
      let design: SelectedPolicy | undefined;
      if (o.policy !== undefined) {
        try {
          const sel = selectPolicies(o.policy, (w, c) => didYouMean(w, c));
          if (sel.length !== 1) throw new PolicyError(`--policy takes one design or one a+b composition, got ${sel.length}`);
          design = sel[0]!;
        } catch (e) {
          if (e instanceof PolicyError) throw new InputError('<command line>', 1, 1, e.message);
          throw e;
        }
      }
      if (o.format !== 'text' && o.format !== 'json')
        throw new InputError('<command line>', 1, 1, `unknown format '${o.format}': expected text or json`);
      if (o.show !== undefined && !(SHOW_CHOICES as readonly string[]).includes(o.show))
        throw new InputError('<command line>', 1, 1, `unknown --show '${o.show}': expected one of ${SHOW_CHOICES.join(', ')}`);
      if (o.format === 'text' && o.show === undefined && isCallTraceFile(path)) {
        await runCallTraceText(path, design);
        return;
      }
      const { text, name } = readScenarioInput(path);
      const sc = loadScenarioFile(text, name, readBeside);
      const outcome = runScenario(sc, KERNEL_DRIVER, design ? { hooks: design.hooks } : {});
      if (o.show) {
        const r = showKernelText(outcome, o.show as (typeof SHOW_CHOICES)[number]);
        if (r.missing !== undefined) {
          process.stderr.write(`patlab: ${r.missing}\n`);
          process.exitCode = 1;
          return;
        }
        await writeStdout(r.text);
      }
      else if (o.format === 'json') await writeStdout(JSON.stringify(runToJson(outcome), null, 2) + '\n');
      else await writeStdout((design ? `design: ${design.name}\n` : '') + runToText(outcome));
      if (outcome.failures.length > 0) process.exitCode = 1;
    });
}

const keepNone = (): boolean => false;

/** Written when this much text is waiting (UTF-16 units), at the next pause of the run. */
const FLUSH_AT = 1 << 20;

/**
 * `patlab run` of a call trace as text: what runToText prints, written as the steps run. The steps
 * are read from the file (held only when it is small), and no step's outcome is kept.
 */
async function runCallTraceText(path: string, design: SelectedPolicy | undefined): Promise<void> {
  const sc = openCallTraceFile(path, readBeside);
  let pending = (design ? `design: ${design.name}\n` : '') + runHeadText(sc);
  const opts: RunOptions<Kernel> = {
    ...(design ? { hooks: design.hooks } : {}),
    keepOutcome: () => false,
    onOutcome: (s: StepOutcome) => void (pending += stepText(s)),
    // Nothing reads a finished step's events: its text is written, and the tail is the final state (unless a final `messages:` expectation reads them).
    ...(sc.expect?.messages ? {} : { retain: keepNone }),
  };
  const outcome = await runScenarioPaced(sc, KERNEL_DRIVER, opts, 1024, async () => {
    if (pending.length < FLUSH_AT) return;
    const text = pending;
    pending = '';
    await writeStdout(text);
  });
  await writeStdout(pending + runTailText(outcome));
  if (outcome.failures.length > 0) process.exitCode = 1;
}

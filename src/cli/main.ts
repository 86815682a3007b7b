#!/usr/bin/env node
/**
 * The `patlab` command: one file per subcommand under src/cli/.
 * Input errors print one line `FILE:LINE:COL: message` and exit 2.
 */

import { Command, CommanderError } from 'commander';
import { InputError } from '../run/input-error.js';
import { NotModelledError } from '../kernel/not-modelled.js';
/**
 * The subcommands in the order `--help` lists them, each loaded only when
 * it runs: a command pays for its own modules only (the model, YAML and
 * schema validation, renderers, the probe's harness), not for every other's.
 */
const COMMANDS: readonly [string, () => Promise<(program: Command) => void>][] = [
  ['memtype-replay', async () => (await import('./memtype-replay.js')).registerMemtypeReplay],
  ['compare', async () => (await import('./compare.js')).registerCompare],
  ['run', async () => (await import('./run.js')).registerRun],
  ['probe', async () => (await import('./probe.js')).registerProbe],
  ['record', async () => (await import('./record.js')).registerRecord],
  ['calls', async () => (await import('./calls.js')).registerCalls],
  ['import', async () => (await import('./import.js')).registerImport],
  ['check-capture', async () => (await import('./check-capture.js')).registerCheckCapture],
  ['policies', async () => (await import('./policies.js')).registerPolicies],
  ['explain', async () => (await import('./explain.js')).registerExplain],
  ['explore', async () => (await import('./explore.js')).registerExplore],
];

/** The program with every subcommand, or with only `command` when it names one (help and suggestions need them all). */
export async function buildProgram(command?: string): Promise<Command> {
  const program = new Command();
  program
    .name('patlab')
    .description('An executable model of how Linux on x86 decides the caching attribute of every mapping of physical memory')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const one = COMMANDS.some(([name]) => name === command);
  for (const [name, load] of COMMANDS) if (!one || name === command) (await load())(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv[0])).parseAsync(argv, { from: 'user' });
    // A command may have set an exit code (e.g. 1 for an unmet expectation); keep it.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InputError || e instanceof NotModelledError) {
      process.stderr.write(e.message + '\n');
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`patlab: internal error: ${msg}\n`);
    return 1;
  }
}

// A reader that stopped early (`patlab ... | head`) closes the pipe: end quietly, as cat does, not with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

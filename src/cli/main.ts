#!/usr/bin/env node
/**
 * The `patlab` command: one file per subcommand under src/cli/.
 * Input errors print one line `FILE:LINE:COL: message` and exit 2.
 */

import { Command, CommanderError } from 'commander';
import { InputError } from '../run/input-error.js';
import { NotModelledError } from '../kernel/not-modelled.js';
import { registerMemtypeReplay } from './memtype-replay.js';
import { registerRun } from './run.js';
import { registerCompare } from './compare.js';
import { registerCalls } from './calls.js';
import { registerImport } from './import.js';
import { registerCheckCapture } from './check-capture.js';
import { registerPolicies } from './policies.js';
import { registerExplain } from './explain.js';
import { registerExplore } from './explore.js';
import { registerProbe } from './probe.js';
import { registerRecord } from './record.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('patlab')
    .description('An executable model of how Linux on x86 decides the caching attribute of every mapping of physical memory')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerMemtypeReplay(program);
  registerCompare(program);
  registerRun(program);
  registerProbe(program);
  registerRecord(program);
  registerCalls(program);
  registerImport(program);
  registerCheckCapture(program);
  registerPolicies(program);
  registerExplain(program);
  registerExplore(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
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

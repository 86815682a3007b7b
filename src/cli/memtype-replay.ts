/** `patlab memtype-replay FILE`: replay a memtype-trace v1 file (FORMAT.md) and print exactly the kernel's output. */

import type { Command } from 'commander';
import { replayMemtypeTrace } from '../io/trace/memtype-trace.js';
import { InputError } from '../io/input-error.js';
import { isKernelVersionName, KERNEL_PRESETS } from '../kernel/version.js';
import { readInput } from './read-input.js';
import { writeStdout } from './write-stdout.js';

export function registerMemtypeReplay(program: Command): void {
  program
    .command('memtype-replay')
    .description('replay a memtype-trace v1 file (- for stdin) and print what the kernel prints')
    .argument('<file>', 'trace file, or - for standard input')
    .option('--kernel <version>', `kernel version preset (${Object.keys(KERNEL_PRESETS).join(', ')})`, 'mainline')
    .action(async (path: string, o: { kernel: string }) => {
      if (!isKernelVersionName(o.kernel))
        throw new InputError('<command line>', 1, 1, `unknown kernel version '${o.kernel}': expected one of ${Object.keys(KERNEL_PRESETS).join(', ')}`);
      const { text, name } = readInput(path);
      await writeStdout(replayMemtypeTrace(text, { file: name, kernel: o.kernel }));
    });
}

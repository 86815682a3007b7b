/** `patlab memtype-replay FILE`: replay a memtype-trace v1 file (FORMAT.md), or its call-trace extension (io/trace/call-trace.ts), and print exactly the kernel's output. */

import type { Command } from 'commander';
import { replayCallTrace } from '../io/trace/call-trace.js';
import { InputError } from '../run/input-error.js';
import { isKernelVersionName, KERNEL_PRESETS } from '../kernel/version.js';
import { readInput } from './read-input.js';
import { readBeside } from '../io/read-file.js';
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
      // Pure v1 files go through the v1 replayer unchanged; `machine`/`kernel` lines select the call-trace form.
      await writeStdout(replayCallTrace(text, { file: name, kernel: o.kernel, readFile: readBeside }));
    });
}

/** `patlab calls` and `patlab machines`: what a scenario can name. */

import type { Command } from 'commander';
import { loadPreset } from '../io/machine/load-machine.js';
import { presetNames } from '../io/machine/presets.js';
import { CALLS } from '../run/driver.js';
import { writeStdout } from './write-stdout.js';

export function registerCalls(program: Command): void {
  program
    .command('calls')
    .description('list every kernel call a scenario can use, with its arguments')
    .action(async () => {
      const lines: string[] = [];
      for (const c of [...CALLS.values()].sort((a, b) => a.name.localeCompare(b.name))) {
        const args = c.args.map((a) => `${a.name}${a.optional ? '?' : ''}: ${a.kind}`).join(', ');
        lines.push(`${c.name} { ${args} }${c.produces ? ` -> ${c.produces}` : ''}`);
        lines.push(`    ${c.doc}`);
      }
      await writeStdout(lines.join('\n') + '\n');
    });
  program
    .command('machines')
    .description('list the built-in machine presets')
    .action(async () => {
      const lines = presetNames().map((n) => {
        const m = loadPreset(n);
        return `${n.padEnd(26)} ${m.arch.padEnd(11)} kernel ${m.kernel.padEnd(9)} ${m.description ?? ''}`;
      });
      await writeStdout(lines.join('\n') + '\n');
    });
}

/**
 * `patlab policies [--format text|json]`: every design the comparison can
 * run — its name, the thread's name for it, a one-line title, the kernel hook
 * points it changes and what it cannot be combined with. `patlab compare
 * --policies list` prints the same.
 */

import type { Command } from 'commander';
import { InputError } from '../run/input-error.js';
import { wrap } from '../io/render/compare-text.js';
import { describeAll, type PolicyDescription } from '../policy/registry.js';
import { writeStdout } from './write-stdout.js';

export function policiesText(ds: readonly PolicyDescription[]): string {
  const out: string[] = [];
  for (const d of ds) {
    out.push(...wrap(`${d.name}  (${d.standsFor}; spec ${d.spec})`, 100, "      ", ""));
    out.push(...wrap(d.title, 100, '    ', '    '));
    out.push(...wrap(`hooks: ${d.hooks.length ? d.hooks.join(', ') : "none (today's kernel)"}`, 100, '      ', '    '));
    if (d.calls.length) out.push(...wrap(`adds calls: ${d.calls.join(', ')}`, 100, '      ', '    '));
    for (const c of d.conflicts) out.push(...wrap(`conflicts with ${c.with}: ${c.why}`, 100, '      ', '    '));
    out.push('');
  }
  out.push(...wrap("Compose designs with a+b in --policies; 'all' runs every design above. Hook points: src/kernel/hooks.ts.", 100));
  return out.join('\n') + '\n';
}

export function policiesJson(ds: readonly PolicyDescription[]): string {
  return JSON.stringify({ format: 'patlab-policies/1', policies: ds }, null, 2) + '\n';
}

export function registerPolicies(program: Command): void {
  program
    .command('policies')
    .description('list every design: its name, the thread option it stands for, its title, the hooks it changes, its conflicts')
    .option('--format <format>', 'text or json', 'text')
    .action(async (o: { format: string }) => {
      if (o.format !== 'text' && o.format !== 'json') throw new InputError('<command line>', 1, 1, `unknown format '${o.format}': expected text or json`);
      const ds = describeAll();
      await writeStdout(o.format === 'json' ? policiesJson(ds) : policiesText(ds));
    });
}

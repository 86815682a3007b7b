/**
 * Reading a scenario file (or a plain machine file, which runs as a scenario
 * with no steps) and the `--show` views: exactly the text a kernel file or
 * line holds.
 */

import { isMap, type Node } from 'yaml';
import type { KernelContext } from '../../kernel/context.js';
import { patBootInit } from '../../kernel/pat/pat-init.js';
import { loadMachine, loadMachineNode } from '../machine/load-machine.js';
import { YamlSource } from '../yaml/source.js';
import { CALLS } from '../../run/driver.js';
import type { RunOutcome } from '../../run/execute.js';
import { parseScenario } from './parse.js';
import { isFullCallTrace, loadCallTrace, type MachineFileReader } from '../trace/call-trace.js';
import type { Scenario } from '../../run/scenario.js';

export const SHOW_CHOICES = ['pat_memtype_list', 'directmap', 'pat_config'] as const;
export type ShowChoice = (typeof SHOW_CHOICES)[number];

/** A scenario has `steps:` or `machine:`; anything else is read as a machine file. */
export function loadScenarioFile(text: string, file: string, readFile?: MachineFileReader): Scenario {
  // The one-line call trace with a machine (patlab import --calls writes one) is the same scenario in another syntax.
  if (isFullCallTrace(text)) return loadCallTrace(text, file, readFile);
  const src: YamlSource = new YamlSource(file, text);
  const root = src.doc.contents as Node | null;
  // A scenario names its steps, or its machine (a machine file has no 'machine' key): a misspelt
  // 'steps' is then a scenario's unknown key with a suggestion, not a machine missing 'arch'.
  const isScenario = isMap(root) && root.items.some((p) => ['steps', 'machine'].includes((p.key as { value?: unknown } | null)?.value as string));
  if (!isScenario) {
    const machine = loadMachine(text, file);
    return { file, name: machine.name, machine, steps: [] };
  }
  return parseScenario(text, file, CALLS, (s, node) => loadMachineNode(node, s));
}

/** The kernel's own text for `--show`; `missing` says why the file or line does not exist. */
export function showKernelText(o: RunOutcome<KernelContext>, what: ShowChoice): { text: string; missing?: string } {
  switch (what) {
    case 'pat_memtype_list':
      if (o.final.patMemtypeList === null) return { text: '', missing: 'x86/pat_memtype_list does not exist: PAT is disabled' };
      return { text: o.final.patMemtypeList.join('\n') + '\n' };
    case 'directmap':
      return { text: o.final.directmap.join('\n') + '\n' };
    case 'pat_config': {
      const line = patBootInit(o.scenario.machine).messages.find((m) => m.startsWith('x86/PAT: Configuration'));
      if (line === undefined) return { text: '', missing: 'this boot prints no x86/PAT: Configuration line' };
      return { text: line + '\n' };
    }
  }
}

/** `patlab run` text output: each step's call, result and kernel messages, then the final state. */

import type { KernelContext } from '../../kernel/context.js';
import { showRet, type RunOutcome, type StepOutcome } from '../../run/execute.js';
import type { Scenario } from '../../run/scenario.js';
import { outText } from './out-value.js';

/** The lines before the steps: the scenario and its machine. */
export function runHeadText(sc: Scenario): string {
  const m = sc.machine;
  return `scenario: ${sc.name}${sc.description ? ` — ${sc.description}` : ''}\nmachine: ${m.name} (${m.arch}, kernel ${m.kernel})\n\n`;
}

/** One step's lines: the call, what it returned, and its kernel messages. */
export function stepText(s: StepOutcome): string {
  const args = Object.entries(s.args)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const ret = showRet(s.result);
  const fields = Object.entries(s.result.fields ?? {})
    .map(([k, v]) => `${k}=${outText(v)}`)
    .join(' ');
  const handle = s.result.handle?.kind === 'pages' ? ` [${s.result.handle.pfns.length} page(s) from pfn 0x${(s.result.handle.pfns[0] ?? 0).toString(16)}]` : '';
  let out = `[${s.index}] ${s.call}(${args})${ret !== undefined ? ` = ${ret}` : ''}${fields ? `  ${fields}` : ''}${handle}\n`;
  for (const msg of s.messages) out += `      ${msg.text}\n`;
  return out;
}

/** The lines after the steps: a fatal outcome, the final state and the expectations. */
export function runTailText(o: RunOutcome<KernelContext>): string {
  const out: string[] = [];
  const sc = o.scenario;
  if (o.fatal) {
    out.push('');
    out.push(`FATAL at step ${o.fatal.step}: kernel ${o.fatal.what} in ${o.fatal.where}: ${o.fatal.text}`);
    out.push('(the run ends here; the state below is the state at the fatal step)');
  }
  out.push('');
  out.push('final state:');
  out.push('  x86/pat_memtype_list:');
  if (o.final.patMemtypeList === null) out.push('    (absent: PAT is disabled)');
  else for (const l of o.final.patMemtypeList) out.push(`    ${l}`);
  out.push('  RAM page-flag memtype (runs other than write-back):');
  if (o.final.pageMemtype.length === 0) out.push('    (all write-back)');
  for (const r of o.final.pageMemtype) out.push(`    pfn 0x${r.start.toString(16)}-0x${(r.end - 1).toString(16)} (${r.end - r.start} page${r.end - r.start === 1 ? '' : 's'}) ${r.type}`);
  if (o.final.directmap.length) {
    out.push('  /proc/meminfo:');
    for (const l of o.final.directmap) out.push(`    ${l}`);
  }
  const counters = Object.entries(o.final.counters).filter(([, v]) => v !== 0);
  out.push(`  counters: ${counters.length ? counters.map(([k, v]) => `${k}=${v}`).join(' ') : '(all zero)'}`);
  out.push('');
  const nExpect = sc.steps.filter((s) => s.expect).length + (sc.expect ? 1 : 0);
  if (o.failures.length === 0) out.push(nExpect ? `expectations: all met (${nExpect} checked)` : 'expectations: none given');
  else {
    out.push(`expectations: ${o.failures.length} FAILED`);
    for (const f of o.failures)
      out.push(`  ${sc.file}:${f.pos.line}:${f.pos.col}: ${f.step ? `step ${f.step} ` : ''}${f.what}: expected ${f.expected}, got ${outText(f.actual)}`);
  }
  return out.join('\n') + '\n';
}

export function runToText(o: RunOutcome<KernelContext>): string {
  let out = runHeadText(o.scenario);
  for (const s of o.steps) out += stepText(s);
  return out + runTailText(o);
}

/** `patlab run` text output: each step's call, result and kernel messages, then the final state. */

import type { KernelContext } from '../../kernel/context.js';
import { showRet, type RunOutcome } from '../../run/execute.js';
import { outText } from './out-value.js';

export function runToText(o: RunOutcome<KernelContext>): string {
  const out: string[] = [];
  const sc = o.scenario;
  const m = sc.machine;
  out.push(`scenario: ${sc.name}${sc.description ? ` — ${sc.description}` : ''}`);
  out.push(`machine: ${m.name} (${m.arch}, kernel ${m.kernel})`);
  out.push('');
  for (const s of o.steps) {
    const args = Object.entries(s.args)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const ret = showRet(s.result);
    const fields = Object.entries(s.result.fields ?? {})
      .map(([k, v]) => `${k}=${outText(v)}`)
      .join(' ');
    const handle = s.result.handle?.kind === 'pages' ? ` [${s.result.handle.pfns.length} page(s) from pfn 0x${(s.result.handle.pfns[0] ?? 0).toString(16)}]` : '';
    out.push(`[${s.index}] ${s.call}(${args})${ret !== undefined ? ` = ${ret}` : ''}${fields ? `  ${fields}` : ''}${handle}`);
    for (const msg of s.messages) out.push(`      ${msg.text}`);
  }
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

/**
 * A counterexample of `patlab explore` as a scenario file (docs/explore.md
 * §5): the calls in order with what each returned under the design as
 * `expect:`, so `patlab run FILE --policy DESIGN` reproduces it and
 * `patlab compare FILE` shows what the other designs do with it.
 */

import type { Counterexample } from '../../run/explore/explore.js';
import { INVARIANT_DOCS } from '../../run/explore/invariants.js';
import { fieldsText } from '../render/out-value.js';

/** A YAML flow scalar: plain when it reads back as the same string, else double-quoted. */
function scalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  return /^[A-Za-z_][\w\-.|+]*$/.test(v) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(v) ? v : JSON.stringify(v);
}

export function counterexampleYaml(cx: Counterexample, design: string, vocabName: string, machineYaml: string, fileName: string): string {
  const lines: string[] = [];
  lines.push(`# Found by patlab explore (vocabulary ${vocabName}): under ${design}, step ${cx.step} violates ${cx.invariant}:`);
  lines.push(`#   ${INVARIANT_DOCS[cx.invariant]}.`);
  lines.push(`# Reproduce: patlab run ${fileName} --policy ${design}`);
  lines.push(`# Compare:   patlab compare ${fileName}`);
  lines.push(`name: ${scalar(`${design}-${cx.invariant}`)}`);
  lines.push(`description: ${JSON.stringify(`${cx.detail} (step ${cx.step})`)}`);
  if (machineYaml.includes('\n')) lines.push('machine:', ...machineYaml.split('\n').map((l) => `  ${l}`));
  else lines.push(`machine: ${machineYaml}`);
  lines.push('steps:');
  cx.steps.forEach((s, i) => {
    lines.push(`  - ${s.call}: { ${s.args.map(([k, v]) => `${k}: ${v}`).join(', ')} }`);
    if (s.as) lines.push(`    as: ${s.as}`);
    if (i + 1 === cx.step) lines.push(`    note: ${JSON.stringify(`violates ${cx.invariant}: ${cx.detail}`)}`);
    const ex: string[] = [];
    if (s.fatal) ex.push('fatal: true');
    else {
      if (s.ret !== undefined) ex.push(`ret: ${s.ret === 'NULL' ? 'null' : /^-?\d+$/.test(s.ret) ? s.ret : scalar(s.ret)}`);
      for (const [k, v] of Object.entries(fieldsText(s.fields))) ex.push(`${k}: ${scalar(v)}`);
      ex.push(`messages: [${s.messages.map((m) => JSON.stringify(m)).join(', ')}]`);
    }
    lines.push(`    expect: { ${ex.join(', ')} }`);
  });
  return lines.join('\n') + '\n';
}

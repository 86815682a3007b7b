/**
 * `patlab run --format json`: the run as data, validated by
 * schema/run.schema.json (a test checks every built-in scenario against it).
 * Keys are in a fixed order; numbers that are addresses are hex strings.
 */

import type { HandleValue } from '../../calls/types.js';
import type { KernelContext } from '../../kernel/context.js';
import { showRet, type RunOutcome } from '../../run/execute.js';

import { hex } from '../../hw/hex.js';
import { fieldsText, outText } from './out-value.js';

function handleJson(h: HandleValue): Record<string, unknown> {
  switch (h.kind) {
    case 'pages':
      return { kind: 'pages', pfns: h.pfns.map(hex) };
    case 'mapping':
      return { kind: 'mapping', what: h.what, vaddr: hex(h.vaddr), size: hex(h.size), ...(h.phys !== undefined ? { phys: hex(h.phys) } : {}) };
    case 'range':
      return { kind: 'range', start: hex(h.start), end: hex(h.end) };
    case 'bo':
      return { kind: 'bo', id: h.id };
  }
}

export function runToJson(o: RunOutcome<KernelContext>): Record<string, unknown> {
  const m = o.scenario.machine;
  return {
    format: 'patlab-run/1',
    scenario: { name: o.scenario.name, file: o.scenario.file, description: o.scenario.description ?? null },
    machine: { name: m.name, arch: m.arch, kernel: m.kernel },
    steps: o.steps.map((s) => ({
      index: s.index,
      call: s.call,
      args: s.args,
      ret: showRet(s.result) ?? null,
      fields: fieldsText(s.result.fields),
      handle: s.result.handle ? handleJson(s.result.handle) : null,
      messages: s.messages.map((x) => ({ level: x.level, text: x.text })),
    })),
    fatal: o.fatal ?? null,
    final: {
      pat_memtype_list: o.final.patMemtypeList,
      page_memtype: o.final.pageMemtype.map((r) => ({ start_pfn: hex(r.start), end_pfn: hex(r.end), type: r.type })),
      directmap: o.final.directmap,
      counters: o.final.counters,
    },
    failures: o.failures.map((f) => ({ line: f.pos.line, col: f.pos.col, step: f.step ?? null, what: f.what, expected: f.expected, actual: String(outText(f.actual)) })),
  };
}

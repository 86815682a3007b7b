/** `patlab compare --format json`, validated by schema/compare.schema.json. */

import type { ScenarioComparison } from '../../run/result.js';
import type { ExploreCitation } from '../../run/explore/citation.js';

import { hex } from '../../hw/hex.js';
import { bottomLine, failureOf, verdictRows } from '../../run/verdict.js';

export function compareToJson(results: readonly ScenarioComparison[], explore?: ExploreCitation): Record<string, unknown> {
  return {
    format: 'patlab-compare/2',
    verdict: verdictRows(results).map((r) => ({ ...r, fails: failureOf(r) })),
    bottom_line: bottomLine(verdictRows(results)),
    ...(explore ? { explore } : {}),
    scenarios: results.map((s) => ({
      name: s.name,
      description: s.description ?? null,
      machine: s.machine,
      kernel: s.kernel,
      policies: s.policies.map((p) => ({
        policy: p.policy,
        outcome: p.outcome === 'fatal' ? 'fatal' : p.outcome === 'ok' ? 'ok' : p.outcome,
        reason: p.reason ?? null,
        fatal: p.fatal ?? null,
        totals: p.totals,
        mappings: p.mappings.map((m) => ({ name: m.name, kind: m.kind, pfn: hex(m.pfn), requested: m.requested, installed: m.installed, effective: m.effective, npages: m.npages, from: m.from, to: m.to })),
        aliases: p.aliases.map((a) => ({
          pfn: hex(a.pfn),
          npages: a.npages,
          severity: a.severity,
          modes: a.modes,
          mappings: a.mappings,
          from_step: a.from,
          to_step: a.to,
        })),
        changes: p.changes.map((d) => ({ step: d.step, call: d.call, pfn: hex(d.pfn), npages: d.npages, requested: d.requested, installed: d.installed, class: d.class, pat_less: d.patLess, loud: d.loud })),
        hazards: p.hazards.map((h) => ({ kind: h.kind, pfn: hex(h.pfn), npages: h.npages, detail: h.detail, step: h.step })),
        warns: p.warns.map((w) => ({ step: w.step, text: w.text })),
        errors: p.errors.map((e) => ({ step: e.step, call: e.call, what: e.what, reason: e.reason ?? null })),
        costs: p.costs,
      })),
    })),
  };
}

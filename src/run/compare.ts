/**
 * `patlab compare`: one scenario, run once per design on a fresh kernel
 * booted from the same machine, judged by the check layer, side by side.
 * Nothing is shared between runs, so results never depend on the order
 * designs run in.
 */

import { cattrName, memTypeShort, type CacheMode, type MemType } from '../hw/cache-mode.js';
import { protvalLargeTo4k } from '../hw/pte.js';
import { AliasTracker, type AliasRun } from '../check/aliases.js';
import { runCosts } from '../check/costs.js';
import { debugWarns } from '../check/debug-warns.js';
import { silentDowngrades } from '../check/downgrades.js';
import { EffectiveTypes } from '../check/effective.js';
import { refcountHazards } from '../check/hazards.js';
import { userMappingAt } from '../check/user-lookup.js';
import { aliasingMappings, linearMappingsOf, type MappingRun } from '../check/inventory.js';
import type { HandleValue } from '../kernel/api/types.js';
import type { Kernel } from '../kernel/kernel.js';
import { NotModelledError } from '../kernel/not-modelled.js';
import type { SelectedPolicy } from '../policy/registry.js';
import { KERNEL_DRIVER } from './driver.js';
import { CallUnavailableError, runScenario, showRet, type RunOutcome } from './execute.js';
import type { Scenario } from './scenario.js';
import type { Lane, PolicyDetail, PolicyResult, ReportedMapping, ScenarioComparison, MappingKindOut } from './result.js';

const CACHE = 0x98;

function kindOf(what: string): MappingKindOut {
  if (what.startsWith('ioremap') || what.startsWith('memremap')) return 'ioremap';
  if (what.startsWith('kmap') || what.includes('iomap')) return 'kmap';
  if (what === 'vmap' || what.endsWith('vmap')) return 'vmap';
  return 'user';
}

/** The mapping a handle stands for, as installed at the end of the run. */
function reportMapping(k: Kernel, o: RunOutcome<Kernel>, eff: EffectiveTypes, name: string, h: HandleValue, maps: readonly MappingRun[]): ReportedMapping | null {
  const stepOf = o.scenario.steps.find((s) => s.as === name);
  // The request behind a mapping: the last map event of its space covering the pfn (the
  // step that created it for kernel mappings; the fault that filled it for user ones).
  const mapEvent = (pfn: number, space: string): { requested: number; installed: number } | undefined => {
    const ev = k.log.events;
    for (let i = ev.length - 1; i >= 0; i--) {
      const e = ev[i]!;
      if (e.kind === 'map' && e.space === space && pfn >= e.pfn && pfn < e.pfn + e.npages) return e;
    }
    return undefined;
  };
  const argMode = (): CacheMode | undefined => {
    const raw = stepOf?.args['prot'] ?? stepOf?.args['caching'];
    return raw && raw.t === 'mode' ? raw.v : undefined;
  };
  let kind: MappingKindOut;
  let pfn: number;
  let bits4k: number;
  if (h.kind === 'pages') {
    pfn = h.pfns[0]!;
    kind = 'direct';
    if (!k.directMap.map.present(pfn)) return { name, kind, pfn, requested: '-', installed: 'none (no linear mapping)', effective: '-' };
    bits4k = k.directMap.map.bits4k(pfn) & CACHE;
  } else if (h.kind === 'mapping') {
    kind = kindOf(h.what);
    if (kind === 'user') {
      const u = userMappingAt(k, h, maps);
      if (!u) return { name, kind, pfn: h.phys !== undefined ? h.phys / 4096 : 0, requested: '-', installed: 'not mapped', effective: '-' };
      pfn = u.pfn;
      bits4k = u.bits4k;
    } else {
      const ref = k.pgtable.lookupAddress(h.vaddr);
      if (!ref) return { name, kind, pfn: h.phys !== undefined ? Math.floor(h.phys / 4096) : 0, requested: '-', installed: 'not mapped', effective: '-' };
      pfn = ref.pfn;
      bits4k = (ref.level === '4k' ? ref.bits : protvalLargeTo4k(ref.bits)) & CACHE;
    }
  } else return null;
  const installed = k.tables.pgprot2cachemode(bits4k);
  const ev = mapEvent(pfn, kind === 'user' ? 'user' : kind === 'kmap' ? 'kmap' : kind === 'direct' ? 'direct' : 'vmalloc');
  const requested = ev ? ev.requested : (argMode() ?? installed);
  const e = eff.of(pfn, bits4k);
  return { name, kind, pfn, requested: cattrName(requested), installed: cattrName(installed), effective: memTypeShort(e.effective as MemType) };
}

function detailOf(k: Kernel, o: RunOutcome<Kernel>, eff: EffectiveTypes, aliases: readonly AliasRun[], mapsNow: readonly MappingRun[]): PolicyDetail {
  const t = k.memtype.tree;
  const tree: PolicyDetail['tree'] = [];
  for (const id of t.entries()) tree.push({ start: t.start(id), end: t.end(id), type: cattrName(t.type(id)) });
  const lanes: PolicyDetail['lanes'] = [];
  for (const a of aliases.slice(0, 16)) {
    const pfn = a.pfn;
    const ms: Lane[] = [];
    const add = (kind: string, owner: string, bits4k: number, step: number | null): void => {
      const e = eff.of(pfn, bits4k);
      ms.push({ kind, owner, installed: cattrName(k.tables.pgprot2cachemode(bits4k)), effective: memTypeShort(e.effective as MemType), step });
    };
    for (const lm of linearMappingsOf(k, pfn)) add(lm.kind, lm.owner, lm.bits4k, 0);
    for (const m of mapsNow) if (pfn >= m.pfn && pfn < m.pfn + m.npages) add(m.kind, m.owner, m.bits4k, m.step ?? null);
    lanes.push({ pfn, severity: a.severity, mappings: ms });
  }
  return {
    steps: o.steps.map((s) => ({ index: s.index, call: s.call, args: s.args, ret: showRet(s.result) ?? null, messages: s.messages.map((m) => m.text) })),
    tree,
    pageMemtype: o.final.pageMemtype,
    lanes,
  };
}

/** Steps whose call failed, as the kernel would report it to its caller. */
function failedSteps(o: RunOutcome<Kernel>): PolicyResult['errors'] {
  const out: PolicyResult['errors'] = [];
  for (const st of o.steps) {
    const r = st.result;
    const f = r.fields ?? {};
    let what: string | undefined;
    if (r.isNull) what = 'NULL';
    else if (r.ret !== undefined && r.ret < 0) what = showRet(r);
    else if (typeof f['fault'] === 'string' && f['fault'] !== 'VM_FAULT_NOPAGE') what = `${f['fault']}${f['at'] ? ` at ${f['at']}` : ''}`;
    else if (typeof f['err'] === 'string') what = f['err'];
    if (what) out.push({ step: st.index, call: st.call, what });
  }
  return out;
}

function emptyResult(policy: string, outcome: PolicyResult['outcome'], reason: string): PolicyResult {
  return { policy, outcome, reason, mappings: [], aliases: [], downgrades: [], hazards: [], warns: [], errors: [], costs: {} };
}

/** Run one scenario under one design and judge it. */
/** What to compute besides the judgement: `detail` (timeline, memory state, lanes) only the HTML views need. */
export interface CompareOptions {
  detail?: boolean;
}

export function runUnderPolicy(sc: Scenario, p: SelectedPolicy, opts: CompareOptions = {}): PolicyResult {
  const skip = p.skips[sc.name];
  if (skip) return emptyResult(p.name, 'skipped', skip);
  let tracker: AliasTracker | null = null;
  let eff: EffectiveTypes | null = null;
  let o: RunOutcome<Kernel>;
  try {
    o = runScenario(sc, KERNEL_DRIVER, {
      hooks: p.hooks,
      onStep: (k, step, pure) => {
        if (!eff) {
          eff = new EffectiveTypes(k.machine, k.patMsr);
          tracker = new AliasTracker(eff);
        }
        tracker!.observe(k, step, pure);
      },
    });
  } catch (e) {
    if (e instanceof CallUnavailableError) return emptyResult(p.name, 'not-applicable', e.detail);
    // A design can drive the kernel somewhere the model stops ("not modelled:
    // ..."); that is a result for this design, not a failure of the others.
    if (e instanceof NotModelledError) return emptyResult(p.name, 'not-modelled', e.what);
    throw e;
  }
  const k = o.kernel;
  // The final mappings, enumerated once for every view that needs them.
  const maps = aliasingMappings(k);
  const mappings: ReportedMapping[] = [];
  for (const r of sc.report ?? []) {
    const h = o.handles.get(r.name);
    if (!h) continue;
    const m = reportMapping(k, o, eff!, r.name, h, maps);
    if (m) mappings.push(m);
  }
  const res: PolicyResult = {
    policy: p.name,
    outcome: o.fatal ? 'fatal' : 'ok',
    mappings,
    aliases: tracker!.runs(),
    downgrades: silentDowngrades(k),
    hazards: refcountHazards(k, maps),
    warns: debugWarns(k),
    errors: failedSteps(o),
    costs: runCosts(k),
  };
  if (opts.detail !== false) res.detail = detailOf(k, o, eff!, res.aliases, maps);
  if (o.fatal) {
    res.fatal = o.fatal;
    res.reason = `${o.fatal.what} in ${o.fatal.where} at step ${o.fatal.step}`;
  }
  return res;
}

/** A comparison's scenario and machine, without results. */
export function scenarioHeader(sc: Scenario): Omit<ScenarioComparison, 'policies'> {
  const ram = sc.machine.e820.filter((e) => e.type === 'usable').map((e) => ({ start: Math.ceil(e.start / 4096), end: Math.floor(e.end / 4096) }));
  const out: Omit<ScenarioComparison, 'policies'> = {
    name: sc.name,
    machine: sc.machine.name,
    kernel: sc.machine.kernel,
    ram,
    maxPfn: ram.reduce((m, r) => Math.max(m, r.end), 0),
  };
  if (sc.description) out.description = sc.description;
  return out;
}

export function compareScenario(sc: Scenario, policies: readonly SelectedPolicy[], opts: CompareOptions = {}): ScenarioComparison {
  return { ...scenarioHeader(sc), policies: policies.map((p) => runUnderPolicy(sc, p, opts)) };
}

/**
 * Pages a driver owns that another subsystem also holds, and the hazards
 * between them (spec 05 §5 "KVM refcount history", 06 §1 Aug 26: "non-
 * refcounted PFNs are a hard requirement (KVM history)").
 *
 * KVM is the other holder the debate names. It can hold a driver page two
 * ways: with a page reference (`get_page`, GUP, the pre-v6.13
 * `kvm_try_get_pfn`), or without one (the remapped path since v6.13: only
 * MMU notifiers keep it honest). The registry records both per pfn; the
 * driver's free path (`driverFreePages`) checks it and records a
 * `ref-hazard` event when a page leaves its owner while someone else still
 * has it. Empty registry → the fast path is one Map size test.
 */

import { subsystemKey } from '../subsystems.js';
import { PG_BUDDY, PG_HEAD, PG_RESERVED } from '../mm/page.js';
import type { MmContext } from '../mm/mm-context.js';

export interface ExternalHold {
  /** References taken (refcount contributions) by the holder. */
  refs: number;
  /** Mappings held without a reference (invalidated only by an MMU notifier). */
  unref: number;
}

interface Registry {
  /** holder name → pfn → hold. */
  readonly holders: Map<string, Map<number, ExternalHold>>;
  /** Bad pages taken out of circulation (`bad_page()`), never freed. */
  readonly badPages: Set<number>;
  /**
   * Per holder: whether its no-reference mapping of a pfn is still live. A
   * holder protected by MMU notifiers answers false once the user PTE it
   * came from is gone (the zap would have invalidated it) and forgets it.
   * The kernel is an argument, not captured, so a cloned kernel's registry
   * asks about the clone (kernel/clone.ts).
   */
  readonly stillMapped: Map<string, (k: MmContext, pfn: number) => boolean>;
  /** Pages their owner freed while another holder kept a reference: the holder's last put frees them legitimately. */
  readonly orphans: Set<number>;
}

const REFS = subsystemKey<Registry>('page-refs', () => ({ holders: new Map(), badPages: new Set(), stillMapped: new Map(), orphans: new Set() }));

export function pageRefs(k: MmContext): Registry {
  return k.subsystems.get(REFS);
}

/** The hold of `holder` on `pfn` (created empty). */
export function holdOf(k: MmContext, holder: string, pfn: number): ExternalHold {
  const reg = pageRefs(k);
  let m = reg.holders.get(holder);
  if (!m) reg.holders.set(holder, (m = new Map()));
  let h = m.get(pfn);
  if (!h) m.set(pfn, (h = { refs: 0, unref: 0 }));
  return h;
}

/** Drop an empty hold. */
export function pruneHold(k: MmContext, holder: string, pfn: number): void {
  const m = pageRefs(k).holders.get(holder);
  const h = m?.get(pfn);
  if (m && h && h.refs <= 0 && h.unref <= 0) m.delete(pfn);
}

/** Record a hazard event (kernel/events.ts `ref-hazard`). */
export function refHazard(k: MmContext, pfn: number, holder: string, what: string): void {
  k.log.events.push({ kind: 'ref-hazard', step: k.log.step, pfn, holder, what });
}

/** Every hazard of the run (for the check layer and tests). */
export function refHazards(k: MmContext): { step: number; pfn: number; holder: string; what: string }[] {
  const out: { step: number; pfn: number; holder: string; what: string }[] = [];
  for (let ei = 0; ei < k.log.events.length; ei++) {
    const e = k.log.events[ei]!;
    if (e.kind === 'ref-hazard') out.push({ step: e.step, pfn: e.pfn, holder: e.holder, what: e.what });
  }
  return out;
}

/** Holders with a non-reference mapping of `pfn` still live. */
function unrefHolders(k: MmContext, reg: Registry, pfn: number): string[] {
  const out: string[] = [];
  for (const [name, m] of reg.holders) if ((m.get(pfn)?.unref ?? 0) > 0 && (reg.stillMapped.get(name)?.(k, pfn) ?? true)) out.push(name);
  return out;
}

/** Holders with a reference on `pfn`. */
function refHolders(reg: Registry | undefined, pfn: number): string[] {
  if (!reg) return [];
  const out: string[] = [];
  for (const [name, m] of reg.holders) if ((m.get(pfn)?.refs ?? 0) > 0) out.push(name);
  return out;
}

/**
 * A driver keeps a page but hands it to a new use (TTM filing it in its
 * pool for the next BO): record a hazard for every other holder of
 * `[pfn, pfn + n)` — a reference or a live no-reference mapping.
 */
export function checkHolds(k: MmContext, pfn: number, n: number, owner: string, what: string): void {
  k.log.events.push({ kind: 'release', step: k.log.step, pfn, npages: n, owner, what: 'pools' });
  const reg = k.subsystems.peek(REFS);
  if (!reg || reg.holders.size === 0) return;
  for (let q = pfn; q < pfn + n; q++) {
    for (const h of refHolders(reg, q)) refHazard(k, q, h, `${owner} ${what} while ${h} holds a reference on it`);
    for (const h of unrefHolders(k, reg, q)) refHazard(k, q, h, `${owner} ${what} while ${h} still maps it without a reference`);
  }
}

/**
 * `__free_pages(page, order)` as a driver calls it on a non-compound block it
 * allocated (mm/page_alloc.c): drop the head's reference; if it reaches 0
 * the block is freed; if someone else still holds the head, only the tail
 * pages are freed (the kernel's non-compound rule) and the head lives on
 * with the other holder's reference — recorded as a hazard, since the driver
 * believes the page is gone (or, via its pool, reuses it). A tail page with
 * a reference (taken on a refcount-0 tail by pre-2021 KVM) trips
 * `bad_page()` on free: "BUG: Bad page state", and is leaked. A live
 * no-reference mapping of a freed pfn (KVM after v6.13 without an MMU
 * notifier run) is a hazard too.
 */
export function driverFreePages(k: MmContext, pfn: number, order: number, owner: string): void {
  // A block reaching past the end of the memmap (an order larger than the allocation's): only its pages that exist.
  const size = Math.min(2 ** order, k.pages.nPfns - pfn);
  k.log.events.push({ kind: 'release', step: k.log.step, pfn, npages: size, owner, what: 'frees' });
  const rc = k.pages.refcount;
  const flags = k.pages.flags;
  const reg = k.subsystems.peek(REFS);
  const watched = reg !== undefined && reg.holders.size > 0;
  let clean = rc.get(pfn) === 1 && !(flags.get(pfn) & (PG_BUDDY | PG_RESERVED));
  if (clean) for (let q = pfn + 1; q < pfn + size; q++) if (rc.get(q) !== 0 || flags.get(q) & (PG_BUDDY | PG_RESERVED)) { clean = false; break; }
  if (watched) for (let q = pfn; q < pfn + size; q++) for (const h of unrefHolders(k, reg, q)) refHazard(k, q, h, `${owner} frees a page ${h} still maps without a reference (no MMU-notifier invalidation ran)`);
  if (clean && size === 2 ** order) {
    k.allocator.free(pfn, order);
    return;
  }
  // Slow path: page by page, as __free_pages treats a non-compound block whose head is still held.
  for (let q = pfn; q < pfn + size; q++) {
    if (flags.get(q) & PG_BUDDY) {
      refHazard(k, q, 'buddy', `${owner} frees a page that is already free (freed by another holder's put_page)`);
      continue;
    }
    if (q === pfn) {
      if (rc.get(q) <= 0) {
        // put_page_testzero() on a page nobody holds (a tail of a larger allocation, or a page never handed out): the
        // count underflows and nothing is freed (VM_BUG_ON_PAGE(page_ref_count(page) == 0) only with CONFIG_DEBUG_VM).
        refHazard(k, q, 'none', `${owner} frees a page it does not hold (refcount ${rc.get(q)}): the count underflows, nothing is freed`);
        break;
      }
      rc.set(q, rc.get(q) - 1);
      if (rc.get(q) > 0) {
        const holders = refHolders(reg, q);
        refHazard(k, q, holders.join(',') || 'unknown', `${owner} frees a page ${holders.join(',') || 'someone'} holds a reference on: it stays allocated until that reference is put`);
        flags.set(q, flags.get(q) & ~PG_HEAD);
        pageRefs(k).orphans.add(q);
        continue;
      }
    } else if (rc.get(q) !== 0) {
      // free_pages_prepare(): a page with a nonzero refcount is a bad page (pr_alert; the model has no alert level, err is the closest).
      badPage(k, q, owner, `frees a tail page with refcount ${rc.get(q)}: bad_page(), page leaked`);
      continue;
    }
    if (flags.get(q) & PG_RESERVED) {
      // free_page_is_bad(): PG_reserved is in PAGE_FLAGS_CHECK_AT_FREE ("PAGE_FLAGS_CHECK_AT_FREE flag(s) set").
      badPage(k, q, owner, 'frees a reserved page: bad_page(), page leaked');
      continue;
    }
    rc.set(q, 1);
    k.allocator.free(q, 0);
  }
}

/** `bad_page()` (mm/page_alloc.c): `pr_alert("BUG: Bad page state in process %s  pfn:%05lx\n", ...)`; the page is taken out of circulation. */
function badPage(k: MmContext, q: number, owner: string, what: string): void {
  k.log.emit('err', `BUG: Bad page state in process ${k.current.comm}  pfn:${q.toString(16).padStart(5, '0')}`);
  const holders = refHolders(k.subsystems.peek(REFS), q);
  refHazard(k, q, holders.join(',') || 'unknown', `${owner} ${what}`);
  pageRefs(k).badPages.add(q);
}

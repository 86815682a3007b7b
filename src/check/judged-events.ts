/**
 * The kernel events the end-of-run judgement reads (docs/checks.md): mode
 * changes (changes.ts: a `map` event whose installed mode is not the one
 * asked for, and the warnings that make its step loud), hazards
 * (hazards.ts: releases, references taken, the kernel's own `ref-hazard`),
 * debug-kernel warnings (debug-warns.ts) and fatal outcomes. A run judged
 * only at its end keeps these of each finished step and drops the rest
 * (KernelLog.retain): PTE writes, CPA calls, splits and refusals are read
 * while their step runs or by the HTML views' detail, which keeps them all.
 */

import type { KernelEvent } from '../kernel/events.js';

export function judgedAtEnd(e: KernelEvent): boolean {
  switch (e.kind) {
    case 'map':
      return e.requested !== e.installed;
    case 'printk':
      // changes.ts counts a step loud for any level above info; debug-warns reads warning splats.
      return e.level !== 'info' && e.level !== 'debug';
    case 'release':
    case 'ref-taken':
    case 'ref-hazard':
    case 'fatal':
      return true;
    default:
      return false;
  }
}

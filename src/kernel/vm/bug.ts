/**
 * Fatal and warning outcomes of the user-mapping code (spec 04 §0: BUG_ON is
 * a fatal KernelBug naming the condition; WARN_ON_ONCE logs once per site).
 */

import { KernelFatal } from '../fatal.js';
import type { MmContext } from '../mm/mm-context.js';

/** `BUG_ON(cond)` in `fn` (file `file`): the run ends here. */
export function bugOn(k: MmContext, fn: string, cond: string, file = 'mm/memory.c'): never {
  return bugAt(k, fn, `BUG_ON(${cond})`, file);
}

/** A BUG in `fn` of `file` whose source reads `what` (`BUG()`, `BUG_ON(...)`, `VM_BUG_ON_PAGE(...)`): the run ends here. */
export function bugAt(k: MmContext, fn: string, what: string, file: string): never {
  const text = `kernel BUG at ${file}: ${fn}: ${what}`;
  k.log.events.push({ kind: 'fatal', step: k.log.step, what: 'BUG', text });
  throw new KernelFatal('BUG', text, fn);
}

/** `WARN_ON_ONCE(cond)` at `site`: one `WARNING: WARN_ON_ONCE in <site>` per run. */
export function warnOnOnce(k: MmContext, site: string): void {
  if (k.warnedOnce.has(site)) return;
  k.warnedOnce.add(site);
  k.log.emit('warning-splat', `WARNING: WARN_ON_ONCE in ${site}`);
}

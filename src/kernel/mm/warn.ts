/**
 * `WARN_ONCE(1, text)` / `WARN_ON_ONCE(1)` for kernel/mm: a WARNING splat the
 * first time a site fires, nothing after (rendered as in docs/decisions.md C3;
 * a text-less WARN_ON_ONCE reads `WARN_ON_ONCE in <site>`).
 */

import type { MmContext } from './mm-context.js';

export function warnOnce(k: MmContext, site: string, text = `WARN_ON_ONCE in ${site}`): void {
  if (k.warnedOnce.has(site)) return;
  k.warnedOnce.add(site);
  k.log.emit('warning-splat', `WARNING: ${text}`);
}

/** The debug-kernel checks the designs propose, as the WARNs they printed during the run. */

import type { Kernel } from '../kernel/kernel.js';

export interface DebugWarn {
  step: number;
  text: string;
}

/** Kernel WARN splats of the run (boot excluded). Debug-check WARNs are among them when a design enables them. */
export function debugWarns(k: Kernel): DebugWarn[] {
  const out: DebugWarn[] = [];
  for (const e of k.log.events) if (e.kind === 'printk' && e.step > 0 && e.level === 'warning-splat') out.push({ step: e.step, text: e.text });
  return out;
}

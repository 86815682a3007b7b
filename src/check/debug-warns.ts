/** The debug-kernel checks the designs propose, as the WARNs they printed during the run. */

import type { Kernel } from '../kernel/kernel.js';

export interface DebugWarn {
  step: number;
  text: string;
}

/** Kernel WARN splats of the run (boot excluded). Debug-check WARNs are among them when a design enables them. */
export function debugWarns(k: Kernel): DebugWarn[] {
  const out: DebugWarn[] = [];
  for (let ei = 0; ei < k.log.events.length; ei++) {
    const e = k.log.events[ei]!;
    if (e.kind === 'printk' && e.step > 0 && e.level === 'warning-splat') out.push({ step: e.step, text: e.text });
  }
  return out;
}

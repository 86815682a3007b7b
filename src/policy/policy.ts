/**
 * A design under debate, as data: which kernel hook points it changes
 * (src/kernel/hooks.ts), where it comes from, and what it cannot be combined
 * with. Adding a design is adding one file and one registry line.
 */

import type { KernelHooks } from '../kernel/hooks.js';

export interface Policy {
  /** Short name used on the command line, e.g. `insert-honours-prot`. */
  name: string;
  /** The thread's name for it: `option 1`, `option 3a`, `RFC 1/3`, `Christian's fix`, `today's kernel`. */
  standsFor: string;
  /** One line: what the design is and who proposed it. */
  title: string;
  /** Where in spec 06 it is described. */
  spec: string;
  /** The hook settings it changes; everything else stays baseline. */
  hooks: Partial<KernelHooks>;
  /** Designs it cannot be combined with, and why. */
  conflicts?: Readonly<Record<string, string>>;
  /** Built-in scenarios it does not run, and why (shared conformance suite). */
  skips?: Readonly<Record<string, string>>;
}

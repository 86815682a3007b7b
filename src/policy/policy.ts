/**
 * A design under debate: the implementations it supplies for kernel hook
 * points (src/kernel/hooks.ts), the kernel calls it adds, where it comes
 * from, and what it cannot be combined with. Adding a design is adding one
 * file and one registry line.
 */

import type { CallSpec } from '../calls/types.js';
import type { KernelHooks } from '../kernel/hooks.js';
import type { MmContext } from '../kernel/mm/mm-context.js';

export interface Policy {
  /** Short name used on the command line, e.g. `insert-honours-prot`. */
  name: string;
  /** The thread's name for it: `option 1`, `option 3a`, `RFC 1/3`, `Christian's fix`, `today's kernel`. */
  standsFor: string;
  /** One line: what the design is and who proposed it. */
  title: string;
  /** Where in spec 06 it is described. */
  spec: string;
  /** The hooks it implements; every other hook point runs the kernel's own code. */
  hooks: Omit<KernelHooks, 'calls'>;
  /** Kernel calls the design adds (a scenario can call them only under it). */
  calls?: readonly CallSpec<MmContext>[];
  /** Designs it cannot be combined with, and why (beyond setting the same hook, which compose refuses by itself). */
  conflicts?: Readonly<Record<string, string>>;
  /** Built-in scenarios it does not run, and why (shared conformance suite). */
  skips?: Readonly<Record<string, string>>;
}

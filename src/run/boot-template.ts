/**
 * One boot of a machine, cloned for every design that runs on it (issue 14
 * item 2, decision E3): boot consults no hook, so a clone of today's
 * kernel's boot with a design's hooks swapped in is that design's fresh boot
 * (test/kernel/clone.test.ts checks every preset under every design).
 */

import { cloneKernel, sharedParts } from '../kernel/clone.js';
import type { KernelHooks } from '../kernel/hooks.js';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import type { MachineSpec } from '../kernel/machine.js';

export class BootTemplate {
  private kernel: Kernel | null = null;
  private shared: ReadonlyMap<object, unknown> | null = null;

  constructor(readonly machine: MachineSpec) {}

  /** A booted kernel for `machine` under `hooks`: the first call boots, each call returns its own clone. */
  readonly boot = (machine: MachineSpec, hooks?: KernelHooks): Kernel => {
    // A scenario is one machine; another one gets its own boot.
    if (machine !== this.machine) return bootKernel(machine, hooks);
    if (!this.kernel) {
      this.kernel = bootKernel(machine);
      this.shared = sharedParts(this.kernel);
    }
    return cloneKernel(this.kernel, this.shared!, hooks);
  };
}

/**
 * A fatal kernel outcome (BUG, oops, panic): it ends that run with the step
 * and the reason. It is a result of the model, not a crash of patlab
 * (spec/07 (b) 7): the scenario runner catches it, records it, and other
 * policies' runs go on.
 */
export class KernelFatal extends Error {
  constructor(
    readonly what: 'oops' | 'BUG' | 'panic',
    /** What the kernel would print first, e.g. `BUG: kernel NULL pointer dereference, address: 00000000`. */
    readonly text: string,
    /** The kernel function where it happens, e.g. `__cpa_process_fault`. */
    readonly where: string,
  ) {
    super(`${what} in ${where}: ${text}`);
    this.name = 'KernelFatal';
  }
}

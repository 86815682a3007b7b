/**
 * Which scenarios share a boot (docs/probe.md, "Several scenarios per boot"). Scenarios share
 * one only when they boot the same kernel on the same qemu command line; a scenario whose
 * prediction ends in a fatal outcome (a BUG or an oops leaves the kernel in an unknown state)
 * is the last of its boot, so a boot holds at most one. Each module starts from the state the
 * one before it left (its direct-map splits are read and replayed, TTM's pools are torn down
 * with its device); what still differs is run again in a boot of its own (the CLI's fallback).
 */

export interface BatchItem {
  /** Position in the user's list (output order). */
  index: number;
  /** Kernel and qemu command line: only equal groups share a boot. */
  group: string;
  /** patlab predicts a fatal outcome for one of its steps. */
  fatal: boolean;
}

/**
 * The boots, each a list of item indices in the order they load: groups in order of first
 * appearance; per group as few boots as hold at most `max` items and one fatal item each, the
 * non-fatal ones spread in order over them, the fatal one last.
 */
export function planBoots(items: readonly BatchItem[], max: number): number[][] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`planBoots: max ${max} is not a positive integer`);
  const groups = new Map<string, BatchItem[]>();
  for (const it of items) groups.set(it.group, [...(groups.get(it.group) ?? []), it]);
  const boots: number[][] = [];
  for (const g of groups.values()) {
    const fatal = g.filter((x) => x.fatal).map((x) => x.index);
    const rest = g.filter((x) => !x.fatal).map((x) => x.index);
    const n = Math.max(fatal.length, Math.ceil(g.length / max), 1);
    // Non-fatal items per boot: as even as the room allows (a boot with a fatal item has one place less),
    // dealt from the last boot back, so the fuller boots are the ones without a fatal item.
    const size = new Array<number>(n).fill(0);
    for (let left = rest.length; left > 0; )
      for (let b = n - 1; b >= 0 && left > 0; b--)
        if (size[b]! < max - (b < fatal.length ? 1 : 0)) {
          size[b]!++;
          left--;
        }
    let at = 0;
    for (let b = 0; b < n; b++) {
      const boot = rest.slice(at, at + size[b]!);
      at += size[b]!;
      if (b < fatal.length) boot.push(fatal[b]!);
      if (boot.length > 0) boots.push(boot);
    }
  }
  return boots;
}

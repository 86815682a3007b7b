/**
 * The importer's VMA handles (docs/record.md §3): each user VMA a recorded call used is one
 * `mmap` of the trace, found again by its `struct vm_area_struct *` (a zap of it may run in
 * another task: TTM's unmap_mapping_range), or, for a piece a split made (the kernel gives
 * the piece a new vm_area_struct: a partial munmap or mprotect), by the owner's pid and a
 * range inside what is left of it.
 *
 * What is kept is the VMAs still mapped: a handle goes when the last of its range is unmapped,
 * so a long log keeps about the processes' live mappings, not every mmap it saw.
 */

export interface VmaHandle {
  /** The trace's handle (`vm0`). */
  name: string;
  /** vm_start when the trace mapped it: handle offsets are from here. */
  start: bigint;
  /** The owner, whose mm the trace's calls on it run in. */
  pid: number;
  comm: string;
  /** What of [start, end) is still mapped, as disjoint ranges. */
  live: [bigint, bigint][];
}

export class RecordedVmas {
  private readonly byPtr = new Map<bigint, VmaHandle>();
  private readonly byPid = new Map<number, VmaHandle[]>();

  /**
   * The handle of the VMA at `ptr` that is [start, end) at the call, `pid` the calling task;
   * null when no handle holds it (a VMA the trace has not mapped).
   */
  find(ptr: bigint | undefined, start: bigint, end: bigint, pid: number): VmaHandle | null {
    const v = ptr === undefined ? undefined : this.byPtr.get(ptr);
    if (v !== undefined && holds(v, start, end)) return v;
    for (const w of this.byPid.get(pid) ?? [])
      if (holds(w, start, end)) {
        if (ptr !== undefined) this.byPtr.set(ptr, w);
        return w;
      }
    return null;
  }

  /** A new handle for the VMA at `ptr`, [start, end), of task pid/comm. */
  add(ptr: bigint | undefined, name: string, start: bigint, end: bigint, pid: number, comm: string): VmaHandle {
    const v: VmaHandle = { name, start, pid, comm, live: [[start, end]] };
    if (ptr !== undefined) this.byPtr.set(ptr, v);
    const list = this.byPid.get(pid);
    if (list) list.push(v);
    else this.byPid.set(pid, [v]);
    return v;
  }

  /** [from, to) of `v` unmapped (munmap, exit): the handle goes with the last of it. */
  unmapped(v: VmaHandle, ptr: bigint | undefined, from: bigint, to: bigint): void {
    const left: [bigint, bigint][] = [];
    for (const [s, e] of v.live) {
      if (s < from) left.push([s, e < from ? e : from]);
      if (e > to) left.push([s > to ? s : to, e]);
    }
    v.live = left;
    if (left.length > 0) return;
    if (ptr !== undefined && this.byPtr.get(ptr) === v) this.byPtr.delete(ptr);
    const list = this.byPid.get(v.pid)!;
    list.splice(list.indexOf(v), 1);
    if (list.length === 0) this.byPid.delete(v.pid);
  }

  /** How many handles are kept. */
  get kept(): number {
    let n = 0;
    for (const l of this.byPid.values()) n += l.length;
    return n;
  }
}

/** Whether [start, end) is inside one still-mapped range of `v`. */
function holds(v: VmaHandle, start: bigint, end: bigint): boolean {
  return v.live.some(([s, e]) => start >= s && end <= e);
}

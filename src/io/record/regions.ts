/**
 * The importer's ioremap/memremap handles by kernel address (docs/record.md §3): an
 * iounmap's address is in the latest region a recorded call returned that holds it.
 *
 * A region stays after its unmap (a second iounmap of it is still that handle's), so a long
 * log would keep one per ioremap; but one wholly covered by a later region can never be the
 * latest that holds an address, and is dropped. The kernel hands the same vmalloc addresses
 * out again, so what is kept is about the distinct addresses, not the calls.
 */

export interface RegionRef {
  name: string;
  off: bigint;
}

interface Region {
  start: bigint;
  end: bigint;
  name: string;
  covered: boolean;
}

export class AddressRegions {
  /** In the order they were returned; covered ones until the next compaction. */
  private list: Region[] = [];
  /** The latest region starting at each address (never a covered one), to see what a new one covers. */
  private readonly byStart = new Map<bigint, Region>();
  private covered = 0;

  /** A region [start, end) returned under handle `name`. */
  add(start: bigint, end: bigint, name: string): void {
    const r: Region = { start, end, name, covered: false };
    const prev = this.byStart.get(start);
    if (prev !== undefined && !prev.covered && prev.end <= end) {
      prev.covered = true;
      this.covered++;
    }
    this.byStart.set(start, r);
    this.list.push(r);
    if (this.covered > 64 && this.covered * 2 > this.list.length) {
      this.list = this.list.filter((x) => !x.covered);
      this.covered = 0;
    }
  }

  /** How many regions are kept (covered ones are dropped in batches). */
  get kept(): number {
    return this.list.length;
  }

  /** The latest region holding `addr`, and the offset into it; null when none does. */
  find(addr: bigint): RegionRef | null {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const r = this.list[i]!;
      if (!r.covered && addr >= r.start && addr < r.end) return { name: r.name, off: addr - r.start };
    }
    return null;
  }
}

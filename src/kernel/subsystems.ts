/**
 * Subsystem state declared on the kernel: each subsystem (vm, TTM, KVM,
 * page references, driver kernel maps) owns a typed key and keeps its state
 * in the kernel's `subsystems`, created on first use. The state lives on
 * the kernel object, never in module-level maps, so a kernel is the whole
 * of its state (what cloning and fingerprinting a booted kernel need).
 * Keys are immutable module constants; this module imports no subsystem.
 */

/** A subsystem's slot: its name and how its state starts. */
export interface SubsystemKey<T> {
  readonly name: string;
  readonly create: () => T;
}

export function subsystemKey<T>(name: string, create: () => T): SubsystemKey<T> {
  return Object.freeze({ name, create });
}

/** The subsystem states of one kernel. */
export class Subsystems {
  private readonly slots = new Map<SubsystemKey<unknown>, unknown>();

  /** The state of `key`, created on first use. */
  get<T>(key: SubsystemKey<T>): T {
    let s = this.slots.get(key as SubsystemKey<unknown>) as T | undefined;
    if (s === undefined) {
      s = key.create();
      this.slots.set(key as SubsystemKey<unknown>, s);
    }
    return s;
  }

  /** The state of `key` if it exists. */
  peek<T>(key: SubsystemKey<T>): T | undefined {
    return this.slots.get(key as SubsystemKey<unknown>) as T | undefined;
  }

  /** Set the state of `key` (a subsystem whose state needs arguments to start). */
  set<T>(key: SubsystemKey<T>, value: T): T {
    this.slots.set(key as SubsystemKey<unknown>, value);
    return value;
  }

  /** The state of the subsystem named `name` (for views that walk every subsystem: fingerprints). */
  peekByName(name: string): unknown {
    for (const [k, v] of this.slots) if (k.name === name) return v;
    return undefined;
  }

  /** Names of the subsystems that hold state, in the order they started. */
  names(): string[] {
    return [...this.slots.keys()].map((k) => k.name);
  }
}

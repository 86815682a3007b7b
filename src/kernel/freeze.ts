/**
 * What a booted kernel never changes again is frozen, so that a copy of the
 * kernel (kernel/clone.ts) shares it instead of copying it, and a write to
 * it fails at once instead of reaching every copy.
 */

/** Freeze `v` and every object it reaches; only plain data can be (a Map, a Set or a typed array stays writable under Object.freeze). */
export function freezeDeep(v: unknown): void {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
  if (v instanceof Map || v instanceof Set || ArrayBuffer.isView(v)) throw new Error('freezeDeep: a Map, Set or typed array cannot be frozen');
  Object.freeze(v);
  for (const key of Object.keys(v)) freezeDeep((v as Record<string, unknown>)[key]);
}

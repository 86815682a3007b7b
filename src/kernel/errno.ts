/** The errno values the modelled kernel functions return (include/uapi/asm-generic/errno-base.h). */
export const EFAULT = 14;
export const EBUSY = 16;
export const EINVAL = 22;
export const ENOMEM = 12;
export const ENOENT = 2;

const NAMES: Record<number, string> = { 2: 'ENOENT', 12: 'ENOMEM', 14: 'EFAULT', 16: 'EBUSY', 22: 'EINVAL' };

/** The symbolic name of a (positive or negative) errno, e.g. -16 -> "EBUSY". */
export function errnoName(err: number): string {
  return NAMES[Math.abs(err)] ?? `E${Math.abs(err)}`;
}

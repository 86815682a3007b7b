/** The errno values the modelled kernel functions return (include/uapi/asm-generic/errno-base.h). */
export const EFAULT = 14;
export const EBUSY = 16;
export const EINVAL = 22;
export const ENOMEM = 12;
export const ENOENT = 2;

/** The errno names a scenario may write and their values (errno-base.h). */
export const ERRNO_VALUES: Readonly<Record<string, number>> = { EPERM: 1, ENOENT: 2, ENOMEM: 12, EFAULT: 14, EBUSY: 16, EINVAL: 22, EAGAIN: 11, ENOSPC: 28 };

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(ERRNO_VALUES).map(([n, v]) => [v, n]));

/** The symbolic name of a (positive or negative) errno, e.g. -16 -> "EBUSY". */
export function errnoName(err: number): string {
  return NAMES[Math.abs(err)] ?? `E${Math.abs(err)}`;
}

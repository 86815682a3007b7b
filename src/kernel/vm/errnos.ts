/** errno values the user-mapping paths return beyond kernel/errno.ts (include/uapi/asm-generic/errno-base.h). */
export const EPERM = 1;
export const ENXIO = 6;
export const EAGAIN = 11;
export const EACCES = 13;
export const ENODEV = 19;

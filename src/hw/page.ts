/** The x86 base page: 4 KiB (`PAGE_SHIFT` 12). Every layer uses these, none defines its own. */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

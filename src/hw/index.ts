/** Public API of the hardware layer (spec 01; Linux's PTE/PAT tables of spec 02 §2–§3). */

export * from './cache-mode.js';
export * from './pat-msr.js';
export * from './pte.js';
export * from './mtrr.js';
export * from './effective.js';

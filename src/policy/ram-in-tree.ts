/** 3c: RAM memtypes in the memtype tree instead of page flags (spec 06 §3). */
import type { Policy } from './policy.js';

export const ramInTree: Policy = {
  name: 'ram-in-tree',
  standsFor: 'option 3c',
  title: '3c: RAM registrations in the memtype tree instead of page flags (the tree grows per page)',
  spec: '06 §3 option 3c',
  // Both stores are kernel code (the tree is how RAM was tracked before 9542ada8): the hook only chooses.
  hooks: { ramMemtypeStore: 'tree' },
};

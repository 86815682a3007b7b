/** 3c: RAM memtypes as tree entries, one per page (reverting 9542ada8; spec 06 §3). */
import type { Policy } from './policy.js';

export const ramInTree: Policy = {
  name: 'ram-in-tree',
  standsFor: 'option 3c',
  title: '3c: RAM registrations in the memtype tree instead of page flags (the tree grows per page)',
  spec: '06 §3 option 3c',
  hooks: { ramInTree: true },
};

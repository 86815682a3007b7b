/**
 * The built-in demo trace `npm start` replays until the policy comparison
 * exists: the core of the 2025 debate in memtype terms.
 */
export const DEMO_TRACE = {
  intro: `patlab demo: the kernel's memtype decisions behind the Aug 2025 TTM/PAT debate.
A machine with 1 GiB of RAM and an MMIO BAR at 0xd0000000, replayed through a model of
arch/x86/mm/pat/memtype.c (mainline). Each operation's kernel messages ("log:") come first,
then its result.`,
  text: `# memtype-trace v1
pat on
ram 0x100000 0x40000000
mtrr default uc
mtrr fixed wb
mtrr var 0x0 0x40000000 wb
# A driver maps its BAR write-combined (ioremap_wc / arch_io_reserve_memtype_wc).
reserve 0xd0000000 0xd1000000 write-combining
# A second user asks for UC- on part of it: it is handed the existing WC type.
reserve 0xd0800000 0xd0801000 uncached-minus
# Strictly (no new_type accepted), the same request fails with EBUSY and two messages.
reserve-strict 0xd0800000 0xd0801000 uncached-minus
# A RAM page made WC through set_pages_wc(): the type lives in its page flags.
reserve 0x1000000 0x1001000 write-combining
# vmf_insert_pfn_prot() asks for WC: the PAT lookup decides, so WC is kept...
insert-pfn 0x1000 write-combining
# ...but a RAM page nobody converted (highmem: no set_pages_wc possible) says WB,
# and the driver's WC request silently becomes WB.
insert-pfn 0x2000 write-combining
dump
`,
  outro: `What it shows:
- non-RAM reservations live in the memtype tree (the "dump" is debugfs x86/pat_memtype_list);
  an overlapping request gets the existing type, or EBUSY when it insists;
- RAM types live in page flags and never appear in the list;
- vmf_insert_pfn_prot() installs whatever the memtype records say (insert-pfn 0x2000: WC requested,
  WB installed, no message): the silent downgrade the debate is about.
Run "patlab memtype-replay FILE" on your own traces (FORMAT: ../shared/golden/memtype/FORMAT.md).`,
};

/**
 * The built-in debate suite: the scenarios `patlab compare` (and `npm start`)
 * runs when given none. Each says in its description what it shows. They are
 * YAML text so the web page can load them as examples unchanged.
 */

export interface SuiteScenario {
  name: string;
  yaml: string;
}

export const DEBATE_SUITE: readonly SuiteScenario[] = [
  {
    name: 'ttm-highmem-wc',
    yaml: `name: ttm-highmem-wc
description: >-
  The reported problem (spec 06 §2): on x86-32 PAE with highmem a TTM BO with WC caching is
  populated with GFP_HIGHUSER, gets highmem pages TTM cannot convert (no linear mapping), so
  PAT's page flag stays WB; the user fault asks vmf_insert_pfn_prot for WC and gets WB, while
  TTM's own kmap_local_page_prot of the same page is WC.
machine: x86-32-pae-4g
steps:
  - ttm_device_init: {}
  - ttm_bo_create: { size: 64K, caching: WC }
    as: bo
  - ttm_bo_mmap_obj: { bo: bo }
    as: user_map
  - ttm_bo_touch: { addr: user_map, size: 64K }
  - ttm_kmap_iter_tt_map_local: { bo: bo, index: 0 }
    as: ttm_kmap
report: [user_map, ttm_kmap]
roles: { request: user_map }
`,
  },
  {
    name: 'ttm-lowmem-wc',
    yaml: `name: ttm-lowmem-wc
description: >-
  Why GFP_DMA32 "helped" (spec 06 §2): x86-32 has no ZONE_DMA32, so a dma32 pool's pages are
  lowmem; TTM stages them, set_pages_array_wc records WC in the page flags and the direct map,
  and the fault's PAT lookup returns WC.
machine: x86-32-pae-4g
steps:
  - ttm_device_init: { use_dma32: true }
  - ttm_bo_create: { size: 64K, caching: WC }
    as: bo
  - ttm_bo_mmap_obj: { bo: bo }
    as: user_map
  - ttm_bo_touch: { addr: user_map, size: 64K }
  - ttm_tt_pages: { bo: bo }
    as: pages
  - ttm_kmap_iter_tt_map_local: { bo: bo, index: 0 }
    as: ttm_kmap
report: [user_map, ttm_kmap, pages]
`,
  },
  {
    name: 'x86-64-wc-without-set-pages',
    yaml: `name: x86-64-wc-without-set-pages
description: >-
  The Aug-6 WIP / RFC 3/3 path on x86-64 (spec 06 §3, Thomas's objection b): when TTM stops
  calling set_pages_array_wc, PAT's page flags stay WB and vmf_insert_pfn_prot turns the WC
  request into WB, unless the insert honours the prot (RFC 1/3 or Christian's fix), which then
  leaves a WB direct-map alias of WC user mappings.
machine: desktop-x86-64
steps:
  - ttm_device_init: {}
  - ttm_bo_create: { size: 64K, caching: WC }
    as: bo
  - ttm_bo_mmap_obj: { bo: bo }
    as: user_map
  - ttm_bo_touch: { addr: user_map, size: 64K }
  - ttm_tt_pages: { bo: bo }
    as: pages
report: [user_map, pages]
`,
  },
  {
    name: 'vram-bar-reserved',
    yaml: `name: vram-bar-reserved
description: >-
  Spec 04 §13 case 4: the driver reserves its VRAM aperture WC (arch_io_reserve_memtype_wc, as
  amdgpu/radeon/nouveau do), so a WC fault insert of a VRAM pfn gets WC, and a UC- ioremap of the
  same BAR is handed WC too.
machine: desktop-x86-64
steps:
  - arch_io_reserve_memtype_wc: { start: 0xc0000000, size: 256M }
  - ttm_device_init: {}
  - ttm_bo_create: { size: 64K, caching: WC, bus_offset: 0xc0100000 }
    as: bo
  - ttm_bo_mmap_obj: { bo: bo }
    as: user_map
  - ttm_bo_touch: { addr: user_map, size: 64K }
  - ioremap: { phys: 0xc0100000, size: 4K }
    as: kernel_map
report: [user_map, kernel_map]
`,
  },
  {
    name: 'vram-bar-unreserved',
    yaml: `name: vram-bar-unreserved
description: >-
  Spec 04 §13 case 5: without an aperture reservation, PAT has no entry for the VRAM pfn and
  vmf_insert_pfn_prot installs UC- although the driver asked for WC; designs that honour the prot
  install WC, and the registration rule keeps the caller's WC because nothing is registered.
machine: desktop-x86-64
steps:
  - ttm_device_init: {}
  - ttm_bo_create: { size: 64K, caching: WC, bus_offset: 0xc0100000 }
    as: bo
  - ttm_bo_mmap_obj: { bo: bo }
    as: user_map
  - ttm_bo_touch: { addr: user_map, size: 64K }
report: [user_map]
`,
  },
  {
    name: 'kvm-maps-ttm-bo',
    yaml: `name: kvm-maps-ttm-bo
description: >-
  Option 1's refcount hazard (spec 05 §5, 06 §3): KVM maps a guest memslot over a TTM BO's user
  mapping and resolves its first page, then TTM zaps the mapping and unpopulates the BO. With
  special PTEs (today, and every design keeping VM_PFNMAP) KVM takes no reference and its MMU
  notifier drops the pfn at the zap: no hazard. With option 1's refcounted inserts, GUP takes a
  reference on a page TTM frees whatever its refcount: TTM frees it while KVM holds it.
machine: desktop-x86-64
steps:
  - ttm_device_init: {}
  - ttm_bo_create: { size: 16K, caching: WC }
    as: bo
  - ttm_bo_mmap_obj: { bo: bo }
    as: user_map
  - ttm_bo_touch: { addr: user_map, size: 16K }
  - kvm_set_memory_region: { slot: 1, guest_phys_addr: 0x100000, memory_size: 16K, userspace_addr: user_map }
  - hva_to_pfn: { gpa: 0x100000, write: true }
    as: guest_pfn
  - ttm_bo_unmap_virtual: { bo: bo }
  - ttm_tt_unpopulate: { bo: bo }
report: [user_map]
`,
  },
  {
    name: 'lunar-lake-clean-writeback',
    yaml: `name: lunar-lake-clean-writeback
description: >-
  A Lunar Lake laptop (self-snooping, write-back of clean lines): an xe-style WC BO. Today TTM's
  pool makes the direct map WC, so the user mapping and the kernel's alias agree; a design that
  skips the caching change but honours the prot leaves a cacheable WB direct-map alias of a WC user
  mapping, whose clean lines the CPU may write back over GPU data.
machine: lunar-lake-laptop
steps:
  - ttm_device_init: {}
  - ttm_bo_create: { size: 2M, caching: WC }
    as: bo
  - ttm_bo_mmap_obj: { bo: bo }
    as: user_map
  - ttm_bo_touch: { addr: user_map, size: 2M }
  - ttm_tt_pages: { bo: bo }
    as: pages
report: [user_map, pages]
`,
  },
  {
    name: 'scattered-1e5-pages',
    yaml: `name: scattered-1e5-pages
description: >-
  Costs at scale (spec 06 §3c): a WC BO of 10^5 pages on a fragmented 64 GiB server, populated
  page by page from scattered memory and faulted through a user mapping. 3c (ram-in-tree) puts one
  memtype tree entry per page; set-pages-on-insert costs nothing more than today here, because
  TTM's pool already made the pages WC; a design that skips TTM's caching change but honours the
  prot leaves every page with a WB direct-map alias.
machine:
  preset: server-x86-64
  fragmentation: { level: 1, seed: 7 }
steps:
  - ttm_device_init: {}
  - ttm_bo_create: { size: 400000K, caching: WC }
    note: 100000 pages of 4 KiB
    as: bo
  - ttm_bo_mmap_obj: { bo: bo }
    as: user_map
  - ttm_bo_touch: { addr: user_map, size: 400000K }
  - ttm_tt_pages: { bo: bo }
    as: pages
report: [user_map, pages]
roles: { scale: true }
`,
  },
];

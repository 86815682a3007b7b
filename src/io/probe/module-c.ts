/**
 * A scenario as a Linux kernel module (C source, GPL): `patlab probe` builds it
 * against Debian's headers and loads it in a real kernel under qemu. Each step
 * runs in the module's init, in the context of the `insmod` process, so user
 * mappings are made with `vm_mmap()` on the module's own misc device (whose
 * mmap sets the scenario's VMA flags) and the inserts are called on that VMA
 * directly, as a fault handler would. Every step prints a `patprobe: STEP`
 * marker before and after, and its observations as `patprobe: OBS n key=value`
 * (docs/probe.md §2); the kernel's own messages fall between the markers.
 * A call the generator cannot express is `probe: not supported: ...`, and the
 * module stops before it (later steps would depend on it).
 */

import type { RawArg, Scenario, ScenarioStep } from '../../run/scenario.js';

export interface ModuleSource {
  c: string;
  /** Steps generated (1-based indices). */
  steps: number[];
  /** `probe: not supported: ...` for the first step that could not be generated, if any. */
  unsupported?: { step: number; reason: string };
  /** The module uses ttm.ko: drm.ko and ttm.ko are loaded first (with ttm's page_pool_size when the scenario sets one). */
  ttm?: { pagePoolSize: number | null };
  /**
   * The scenario forks or exits: the steps are run by the user program's processes (probe/patprobe-user.c),
   * one token per step (`S:Rn` process S runs step n, `S:Fn:C` S forks the child C, `S:Xn` S exits,
   * `S:Mn` S makes step n's mremap;
   * process 0 is the controller, which runs a step with no pid once the first process has exited).
   */
  plan?: string[];
}

type Role = 'pfn' | 'phys' | 'vaddr' | 'num';
interface Handle {
  /** `gup`: pages pinned by get_user_pages, given back by put_page. */
  /** `iomap`: a struct io_mapping pointer; `bo`: a TTM BO (count = its pages); `ttpages`: a tt's pages (TTM frees them). */
  kind: 'pages' | 'addr' | 'gup' | 'iomap' | 'bo' | 'ttpages';
  count: number;
  /** A BO's user mappings (`ttm_bo_mmap_obj`), the C names of their addresses: what its unmap zaps. */
  maps?: string[];
}

/** The handles the module has made, and the bias of a kernel virtual address given as a number. */
type Handles = Map<string, Handle> & { vbias: bigint; ttm?: { pagePoolSize: number | null } };

class Unsupported extends Error {}

/** The cache-mode index of `enum page_cache_mode` (arch/x86/include/asm/pgtable_types.h). */
const PCM = ['_PAGE_CACHE_MODE_WB', '_PAGE_CACHE_MODE_WC', '_PAGE_CACHE_MODE_UC_MINUS', '_PAGE_CACHE_MODE_UC', '_PAGE_CACHE_MODE_WT', '_PAGE_CACHE_MODE_WP'];

function cName(name: string): string {
  return 'h_' + name.replace(/[^A-Za-z0-9_]/g, '_');
}

function hex(n: number): string {
  return '0x' + n.toString(16) + 'ULL';
}

/** The C expression of one argument in the role the call gives it. */
function expr(a: RawArg | undefined, role: Role, handles: Handles, what: string): string {
  if (a === undefined) throw new Unsupported(`missing argument '${what}'`);
  // A kernel address in a scenario is patlab's stored form (docs/scenarios.md): the real one adds
  // the bias (0xffff000000000000 on x86-64; the probe boots with nokaslr, so the layout is the model's).
  if (a.t === 'num') return role === 'vaddr' && handles.vbias !== 0n ? '0x' + (handles.vbias + BigInt(a.v)).toString(16) + 'ULL' : hex(a.v);
  if (a.t !== 'ref') throw new Unsupported(`argument '${what}' of kind ${a.t}`);
  const h = handles.get(a.name);
  if (!h) throw new Unsupported(`'${a.name}' is not a handle the probe made`);
  const off = a.offset ? ` + ${hex(a.offset)}` : '';
  const n = cName(a.name);
  if (h.kind === 'addr') {
    if (role !== 'vaddr') throw new Unsupported(`'${a.name}' is an address, used as ${role}`);
    return `(${n}${off})`;
  }
  const page = `${n}[${a.index ?? 0}]`;
  switch (role) {
    case 'pfn':
      return `page_to_pfn(${page})`;
    case 'phys':
      return `((u64)page_to_phys(${page})${off})`;
    case 'vaddr':
      return `((unsigned long)page_address(${page})${off})`;
    default:
      throw new Unsupported(`'${a.name}' used as a number`);
  }
}

function num(a: RawArg | undefined, dflt?: number): string {
  if (a === undefined && dflt !== undefined) return hex(dflt);
  if (a?.t === 'num') return hex(a.v);
  throw new Unsupported('a numeric argument is not a number');
}

function mode(a: RawArg | undefined, what: string): number {
  if (a?.t === 'mode') return a.v;
  throw new Unsupported(`argument '${what}' is not a cache mode`);
}

function pagesArg(a: RawArg | undefined, handles: Handles): { arr: string; count: number } {
  if (a?.t !== 'ref' || a.index !== undefined) throw new Unsupported("'pages' must name a pages handle");
  const h = handles.get(a.name);
  if (!h || h.kind !== 'pages') throw new Unsupported(`'${a.name}' is not a pages handle the probe made`);
  return { arr: cName(a.name), count: h.count };
}

/**
 * The opening of a step that calls a function the kernel does not export: `{ DECL = kallsyms_lookup_name(NAME); LOCALS`
 * then, when it is not found, the step's `key` observation says so and the module stops. The caller closes the block.
 */
function kallsymsFn(i: number, name: string, decl: string, key: string, locals = ''): string[] {
  return [
    `\t{ ${decl} = (void *)p_kln("${name}");${locals ? ' ' + locals : ''}`,
    `\t  if (!f) { pr_info("patprobe: OBS ${i} ${key}=(probe: ${name} is not in kallsyms)\\n"); goto out; }`,
  ];
}

/** One page of a pages handle, as `struct page *`. */
function pageArg(a: RawArg | undefined, handles: Handles): string {
  // A page named by its pfn (a page the scenario did not allocate, e.g. kmap of low RAM).
  if (a?.t === 'num') return `pfn_to_page(${hex(a.v)})`;
  if (a?.t !== 'ref' || a.offset) throw new Unsupported("'page' must name a page of a pages handle");
  const h = handles.get(a.name);
  if (!h || h.kind === 'addr') throw new Unsupported(`'${a.name}' is not a pages handle the probe made`);
  return `${cName(a.name)}[${a.index ?? 0}]`;
}

/** Open a block with `va` and the VMA that covers it, mmap_lock held; no VMA prints `none` and skips the step. */
function withVma(i: number, addr: string, lock: 'read' | 'write', none: string): string[] {
  return [
    `\t{ unsigned long va = ${addr}; struct vm_area_struct *vma;`,
    `\t  mmap_${lock}_lock(current->mm); vma = find_vma(current->mm, va);`,
    `\t  if (!vma || vma->vm_start > va) { mmap_${lock}_unlock(current->mm); pr_info("patprobe: OBS ${i} ${none}\\n"); goto step${i}_end; }`,
  ];
}

/**
 * A call that returns a kernel pointer: `ret=ok`/`NULL`, kept in the step's handle, and (when
 * patlab predicts the mapping's type) the type its kernel PTE decodes to.
 */
function kernelPointer(i: number, as: string | undefined, handles: Handles, call: string, withType: boolean): string[] {
  const n = cName(as ?? `__step${i}`);
  handles.set(as ?? `__step${i}`, { kind: 'addr', count: 0 });
  return [
    `\t{ void *v = ${call};`,
    `\t  if (!v) { pr_info("patprobe: OBS ${i} ret=NULL\\n"); goto step${i}_end; }`,
    `\t  ${n} = (unsigned long)v; pr_info("patprobe: OBS ${i} ret=ok\\n");${withType ? ` probe_kernel_type(${i}, ${n});` : ''} }`,
    `step${i}_end:`,
  ];
}

/** The handle of the BO an argument names, once boArg has checked it is one: its pages and user mappings. */
function boHandle(a: RawArg | undefined, handles: Handles): Handle {
  return handles.get((a as { name: string }).name)!;
}

/** The TTM BO a `ttm_bo_create` step made, as its `struct probe_bo *`. */
function boArg(a: RawArg | undefined, handles: Handles): string {
  if (a?.t !== 'ref' || handles.get(a.name)?.kind !== 'bo') throw new Unsupported('bo: is not a BO the probe made');
  return cName(a.name);
}

/** The struct io_mapping an `io_mapping_create_wc` step made. */
function iomapArg(a: RawArg | undefined, handles: Handles): string {
  if (a?.t !== 'ref' || handles.get(a.name)?.kind !== 'iomap') throw new Unsupported('mapping: is not an io_mapping the probe made');
  return cName(a.name);
}

/** The body of one step, or Unsupported. */
function stepBody(s: ScenarioStep, handles: Handles): string[] {
  const a = s.args;
  const i = s.index;
  const out: string[] = [];
  const obsRet = `\tpr_info("patprobe: OBS ${i} ret=%d\\n", r);`;
  switch (s.call) {
    case 'alloc_pages': {
      if (!s.as) throw new Unsupported('alloc_pages without as:');
      if (a['pfn']) throw new Unsupported("'pfn:' (a chosen page) cannot be asked of a real allocator");
      const order = a['order']?.t === 'num' ? a['order'].v : 0;
      const count = a['count']?.t === 'num' ? a['count'].v : 1;
      if (count * (1 << order) > 4096) throw new Unsupported(`${count * (1 << order)} pages (the probe allocates at most 4096)`);
      const gfp = a['gfp']?.t === 'gfp' ? a['gfp'].v : 'GFP_KERNEL';
      if (!/^[A-Z0-9_|]+$/.test(gfp)) throw new Unsupported(`gfp '${gfp}'`);
      const n = cName(s.as);
      handles.set(s.as, { kind: 'pages', count: count << order });
      out.push(`	{ struct page *pg = NULL; int b, j;`);
      out.push(`	  for (b = 0; b < ${count}; b++) {`);
      out.push(`	    pg = alloc_pages(${gfp}, ${order});`);
      out.push(`	    if (!pg) { pr_info("patprobe: OBS ${i} ret=NULL\\n"); goto out; }`);
      out.push(`	    for (j = 0; j < ${1 << order}; j++) ${n}[b * ${1 << order} + j] = pg + j;`);
      out.push(`	    pr_info("patprobe: ALLOC ${i} %d %#lx\\n", b, page_to_pfn(pg));`);
      out.push(`	    probe_alloc_bits(${i}, pg, ${1 << order});`);
      out.push(`	    ${n}_blocks = b + 1; }`);
      out.push(`	  ${n}_order = ${order};`);
      out.push(`	  pr_info("patprobe: OBS ${i} ret=ok\\n");`);
      out.push(`	  pr_info("patprobe: OBS ${i} zone=%s\\n", page_zone(${n}[0])->name); }`);
      return out;
    }
    case '__free_pages': {
      const p = a['pages'];
      if (p?.t !== 'ref' || p.index !== undefined || handles.get(p.name)?.kind !== 'pages') throw new Unsupported("'pages' must name a pages handle");
      const n = cName(p.name);
      out.push(`	{ int b; for (b = 0; b < ${n}_blocks; b++) __free_pages(${n}[b << ${n}_order], ${n}_order); ${n}_blocks = 0; }`);
      return out;
    }
    case 'mmap': {
      if (!s.as) throw new Unsupported('mmap without as:');
      for (const k of ['maywrite', 'pgoff']) if (a[k]) throw new Unsupported(`mmap '${k}:'`);
      const flags = a['flags']?.t === 'num' ? a['flags'].v : 0;
      const prot = a['prot'] ? PCM[mode(a['prot'], 'prot')] : '-1';
      const shared = !(a['shared']?.t === 'bool' && !a['shared'].v);
      const write = !(a['write']?.t === 'bool' && !a['write'].v);
      handles.set(s.as, { kind: 'addr', count: 0 });
      out.push(`	probe_vm_flags = ${hex(flags)}; probe_vm_cm = ${prot};`);
      out.push(`	{ unsigned long va = vm_mmap(probe_file, 0, ${num(a['size'])}, PROT_READ${write ? ' | PROT_WRITE' : ''}, ${shared ? 'MAP_SHARED' : 'MAP_PRIVATE'}, 0);`);
      out.push(`	  if (IS_ERR_VALUE(va)) { pr_info("patprobe: OBS ${i} ret=%ld\\n", (long)va); goto out; }`);
      out.push(`	  ${cName(s.as)} = va; pr_info("patprobe: OBS ${i} ret=0\\n"); }`);
      return out;
    }
    case 'follow_pfnmap': {
      // KVM's read of a VM_IO|VM_PFNMAP PTE (follow_pte on 6.1, follow_pfnmap_start from 6.10): -EINVAL elsewhere.
      out.push(`\t{ unsigned long va = ${expr(a['addr'], 'vaddr', handles, 'addr')}; struct vm_area_struct *vma; u64 flags = 0; int large = 0, found = 0; unsigned long pfn = 0;`);
      out.push('\t  mmap_read_lock(current->mm); vma = find_vma(current->mm, va);');
      out.push('\t  if (vma && vma->vm_start <= va && (vma->vm_flags & (VM_IO | VM_PFNMAP))) found = probe_user_lookup(va, &flags, &large, &pfn);');
      out.push('\t  mmap_read_unlock(current->mm);');
      out.push(`\t  if (!found) pr_info("patprobe: OBS ${i} ret=-22\\n");`);
      out.push(`\t  else { pr_info("patprobe: OBS ${i} ret=0\\n"); pr_info("patprobe: OBS ${i} pfn=%#lx\\n", pfn); pr_info("patprobe: OBS ${i} type=%s\\n", pte_type(flags, large)); } }`);
      return out;
    }
    case 'munmap':
      out.push(`\tr = vm_munmap(${expr(a['addr'], 'vaddr', handles, 'addr')}, ${num(a['size'])});`, obsRet);
      return out;
    case 'zap_vma_ptes': {
      // A driver's zap (mm/memory.c, exported): mmap_lock held for reading, as a driver's revoke holds it; no VMA at addr, nothing (patlab's call has no result either).
      const addr = expr(a['addr'], 'vaddr', handles, 'addr');
      out.push(`\t{ unsigned long va = ${addr}; struct vm_area_struct *vma;`, `\t  mmap_read_lock(current->mm); vma = find_vma(current->mm, va);`);
      out.push(`\t  if (vma && vma->vm_start <= va) zap_vma_ptes(vma, va, ${num(a['size'])});`, `\t  mmap_read_unlock(current->mm); }`);
      return out;
    }
    case 'vmf_insert_pfn_prot':
    case 'vmf_insert_pfn':
    case 'vmf_insert_mixed': {
      const addr = expr(a['addr'], 'vaddr', handles, 'addr');
      const pfn = expr(a['pfn'], 'pfn', handles, 'pfn');
      // As a fault handler calls them: mmap_lock held for reading.
      const call =
        s.call === 'vmf_insert_pfn_prot'
          ? `vmf_insert_pfn_prot(vma, va, ${pfn}, __pgprot((pgprot_val(vma->vm_page_prot) & ~_PAGE_CACHE_MASK) | cachemode2protval(${PCM[mode(a['prot'], 'prot')]})))`
          : s.call === 'vmf_insert_mixed'
            ? `vmf_insert_mixed(vma, va, pfn_to_pfn_t(${pfn}))`
            : `vmf_insert_pfn(vma, va, ${pfn})`;
      out.push(...withVma(i, addr, 'read', 'fault=VM_FAULT_SIGBUS'));
      out.push(`\t  { vm_fault_t f = ${call};`, `\t  mmap_read_unlock(current->mm);`);
      out.push(`\t  pr_info("patprobe: OBS ${i} fault=%s\\n", fault_name(f));`);
      out.push(`\t  if (f == VM_FAULT_NOPAGE) probe_user_pte(${i}, va); } }`, `step${i}_end:`);
      return out;
    }
    case 'remap_pfn_range': {
      const addr = expr(a['addr'], 'vaddr', handles, 'addr');
      const pfn = expr(a['pfn'], 'pfn', handles, 'pfn');
      const prot = a['prot'] ? `__pgprot((pgprot_val(vma->vm_page_prot) & ~_PAGE_CACHE_MASK) | cachemode2protval(${PCM[mode(a['prot'], 'prot')]}))` : 'vma->vm_page_prot';
      // remap_pfn_range() sets VM_IO | VM_PFNMAP: the caller (a driver's ->mmap) holds mmap_lock for writing.
      out.push(...withVma(i, addr, 'write', 'ret=-22'));
      out.push(`\t  r = remap_pfn_range(vma, va, ${pfn}, ${num(a['size'])}, ${prot});`);
      out.push(`\t  mmap_write_unlock(current->mm);`, `\t  pr_info("patprobe: OBS ${i} ret=%d\\n", r);`);
      out.push(`\t  if (r == 0) probe_user_pte(${i}, va); }`, `step${i}_end:`);
      return out;
    }
    case 'vm_insert_page': {
      const addr = expr(a['addr'], 'vaddr', handles, 'addr');
      const pg = pageArg(a['page'], handles);
      // vm_insert_page() sets VM_MIXEDMAP on first use, which needs mmap_lock held for writing.
      out.push(...withVma(i, addr, 'write', 'ret=-14'));
      out.push(`\t  r = vm_insert_page(vma, va, ${pg});`, `\t  mmap_write_unlock(current->mm);`, `\t  pr_info("patprobe: OBS ${i} ret=%d\\n", r);`);
      out.push(`\t  if (r == 0) probe_user_pte(${i}, va);`, `\t  probe_page_refs(${i}, ${pg}); }`, `step${i}_end:`);
      return out;
    }
    case 'vm_insert_pages': {
      const addr = expr(a['addr'], 'vaddr', handles, 'addr');
      const { arr, count } = pagesArg(a['pages'], handles);
      out.push(...withVma(i, addr, 'write', 'ret=-14'));
      out.push(`\t  { unsigned long nr = ${count}; r = vm_insert_pages(vma, va, ${arr}, &nr);`, `\t  mmap_write_unlock(current->mm);`);
      out.push(`\t  pr_info("patprobe: OBS ${i} ret=%d\\n", r); pr_info("patprobe: OBS ${i} num=%lu\\n", nr); }`);
      out.push(`\t  if (r == 0) probe_user_pte(${i}, va); }`, `step${i}_end:`);
      return out;
    }
    case 'apply_to_page_range': {
      // The callback writes special(pfn + i, prot) in every slot, as TTM's RFC 1/3 fault does (spec 04 §7).
      const addr = expr(a['addr'], 'vaddr', handles, 'addr');
      let src: string;
      if (a['pages'] !== undefined) {
        const { arr, count } = pagesArg(a['pages'], handles);
        src = `.pages = ${arr}, .npages = ${count}`;
      } else src = `.first_pfn = ${expr(a['pfn'], 'pfn', handles, 'pfn')}`;
      out.push(...withVma(i, addr, 'read', 'ret=-14'));
      out.push(`\t  { struct probe_atpr d = { .start = va, .mm = current->mm, ${src}, .prot = __pgprot((pgprot_val(vma->vm_page_prot) & ~_PAGE_CACHE_MASK) | cachemode2protval(${PCM[mode(a['prot'], 'prot')]})) };`);
      out.push(`\t    r = apply_to_page_range(current->mm, va, ${num(a['size'])}, probe_atpr_fn, &d); }`, `\t  mmap_read_unlock(current->mm);`, `\t  pr_info("patprobe: OBS ${i} ret=%d\\n", r);`);
      out.push(`\t  if (r == 0) probe_user_pte(${i}, va); }`, `step${i}_end:`);
      return out;
    }
    case 'ttm_device_init': {
      // ttm.ko's own code on a device of the module's (docs/probe.md §3): the page pool is TTM's.
      if (a['use_dma_alloc']?.t === 'bool' && a['use_dma_alloc'].v) throw new Unsupported('use_dma_alloc needs a DMA-capable device');
      if (handles.ttm) throw new Unsupported('a second TTM device');
      handles.ttm = { pagePoolSize: a['page_pool_size']?.t === 'num' ? a['page_pool_size'].v : null };
      const dma32 = a['use_dma32']?.t === 'bool' && a['use_dma32'].v ? 'true' : 'false';
      out.push(`\tr = probe_ttm_device_init(${dma32});`, obsRet);
      return out;
    }
    case 'ttm_bo_create': {
      if (!handles.ttm) throw new Unsupported('ttm_bo_create before ttm_device_init');
      if (!s.as) throw new Unsupported('ttm_bo_create without as:');
      const size = a['size']?.t === 'num' ? a['size'].v : -1;
      if (size <= 0) throw new Unsupported('size is not a number');
      const m = mode(a['caching'], 'caching');
      const caching = m === 0 ? 'ttm_cached' : m === 1 ? 'ttm_write_combined' : 'ttm_uncached';
      // A VRAM BO: placed in the device's VRAM range manager, its bus address the scenario's (the aperture needs no device behind it: only PTEs are made).
      const bus = a['bus_offset'];
      if (bus !== undefined && bus.t !== 'num') throw new Unsupported('bus_offset is not a number');
      handles.set(s.as, { kind: 'bo', count: Math.ceil(size / 4096) });
      out.push(`\t{ struct probe_bo *b = probe_bo_create(${hex(Math.ceil(size / 4096) * 4096)}, ${caching}, ${bus?.t === 'num' ? `true, ${hex(bus.v)}` : 'false, 0'}, &r);`);
      out.push(`\t  if (!b) { pr_info("patprobe: OBS ${i} ret=%d\\n", r); goto step${i}_end; }`);
      out.push(`\t  ${cName(s.as)} = b; pr_info("patprobe: OBS ${i} ret=ok\\n"); }`, `step${i}_end:`);
      return out;
    }
    case 'ttm_tt_populate':
    case 'ttm_pool_alloc': {
      const b = boArg(a['bo'], handles);
      const call = s.call === 'ttm_tt_populate' ? `ttm_tt_populate(&probe_bdev, ${b}->bo.ttm, &ctx)` : `ttm_pool_alloc(&probe_bdev.pool, ${b}->bo.ttm, &ctx)`;
      out.push(`\t{ struct ttm_operation_ctx ctx = { .interruptible = false, .no_wait_gpu = false }; r = ${call}; }`, obsRet);
      out.push(`\tif (r == 0) probe_tt_obs(${i}, ${b}->bo.ttm, 1);`);
      return out;
    }
    case 'ttm_tt_unpopulate':
    case 'ttm_pool_free': {
      // ttm_tt_unpopulate() is not exported: what it does, without ttm_tt's page accounting.
      const b = boArg(a['bo'], handles);
      out.push(`\tif (ttm_tt_is_populated(${b}->bo.ttm)) { ttm_pool_free(&probe_bdev.pool, ${b}->bo.ttm);${s.call === 'ttm_tt_unpopulate' ? ` ${b}->bo.ttm->page_flags &= ~TTM_TT_FLAG_PRIV_POPULATED;` : ''} }`);
      return out;
    }
    case 'ttm_tt_pages': {
      const b = boArg(a['bo'], handles);
      const n = boHandle(a['bo'], handles).count;
      const as = s.as ?? `__step${i}`;
      handles.set(as, { kind: 'ttpages', count: n });
      out.push(`\t{ int j; for (j = 0; j < ${n}; j++) ${cName(as)}[j] = ${b}->bo.ttm->pages[j]; }`, `\tprobe_tt_obs(${i}, ${b}->bo.ttm, 0);`);
      return out;
    }
    case 'ttm_bo_mmap_obj': {
      // mmap of the device whose ->mmap is ttm_bo_mmap_obj(vma, bo), as a TTM driver's is.
      if (!s.as) throw new Unsupported('ttm_bo_mmap_obj without as:');
      for (const k of ['offset', 'pages']) if (a[k]) throw new Unsupported(`ttm_bo_mmap_obj '${k}:'`);
      const b = boArg(a['bo'], handles);
      const bo = boHandle(a['bo'], handles);
      const n = bo.count;
      const shared = !(a['shared']?.t === 'bool' && !a['shared'].v);
      const write = !(a['write']?.t === 'bool' && !a['write'].v);
      handles.set(s.as, { kind: 'addr', count: 0 });
      (bo.maps ??= []).push(cName(s.as));
      out.push(`\tprobe_vm_flags = 0; probe_vm_cm = -1; probe_mmap_bo = &${b}->bo;`);
      // At the BO's offset in the device's address space, as a DRM driver's mmap is: unmap_mapping_range (ttm_bo_unmap_virtual) finds the VMA by it.
      out.push(`\t{ unsigned long va = vm_mmap(probe_file, 0, ${hex(n * 4096)}, PROT_READ${write ? ' | PROT_WRITE' : ''}, ${shared ? 'MAP_SHARED' : 'MAP_PRIVATE'}, (unsigned long)drm_vma_node_offset_addr(&${b}->bo.base.vma_node));`);
      out.push(`\t  probe_mmap_bo = NULL;`);
      out.push(`\t  if (IS_ERR_VALUE(va)) { pr_info("patprobe: OBS ${i} ret=%ld\\n", (long)va); goto step${i}_end; }`);
      out.push(`\t  ${cName(s.as)} = va; pr_info("patprobe: OBS ${i} ret=ok\\n"); probe_vma_prot(${i}, va); }`, `step${i}_end:`);
      return out;
    }
    case 'ttm_bo_vm_fault': {
      const write = a['write']?.t === 'bool' && a['write'].v ? 1 : 0;
      out.push(`\tprobe_ttm_fault(${i}, ${expr(a['addr'], 'vaddr', handles, 'addr')}, ${write});`);
      return out;
    }
    case 'ttm_bo_touch': {
      // User space touching the mapping: each page without a PTE is accessed, so the kernel's own fault path runs (ttm_bo_vm_fault).
      const write = a['write']?.t === 'bool' && !a['write'].v ? 0 : 1;
      out.push(`\tprobe_ttm_touch(${i}, ${expr(a['addr'], 'vaddr', handles, 'addr')}, ${num(a['size'])}, ${write});`);
      return out;
    }
    case 'ttm_bo_vmap': {
      const as = s.as ?? `__step${i}`;
      handles.set(as, { kind: 'addr', count: 0 });
      out.push(`\t{ unsigned long v = probe_ttm_vmap(&${boArg(a['bo'], handles)}->bo, &r);`);
      out.push(`\t  if (!v) { pr_info("patprobe: OBS ${i} ret=%d\\n", r); goto step${i}_end; }`);
      out.push(`\t  ${cName(as)} = v; pr_info("patprobe: OBS ${i} ret=ok\\n"); probe_kernel_type(${i}, v); }`, `step${i}_end:`);
      return out;
    }
    case 'ttm_bo_vunmap':
      out.push(`\tprobe_ttm_vunmap(${expr(a['addr'], 'vaddr', handles, 'addr')});`);
      return out;
    case 'ttm_kmap_iter_tt_map_local': {
      const as = s.as ?? `__step${i}`;
      handles.set(as, { kind: 'addr', count: 0 });
      const idx = a['index']?.t === 'num' ? a['index'].v : 0;
      out.push(`\t${cName(as)} = probe_ttm_map_local(${i}, ${boArg(a['bo'], handles)}->bo.ttm, ${idx});`);
      return out;
    }
    case 'ttm_bo_unmap_virtual': {
      // Observed: the present PTEs of the BO's mappings it zapped.
      const b = boArg(a['bo'], handles);
      const maps = boHandle(a['bo'], handles).maps ?? [];
      const present = maps.length ? maps.map((m) => `probe_vma_present(${m})`).join(' + ') : '0';
      out.push(`\t{ long before = ${present}; ttm_bo_unmap_virtual(&${b}->bo);`, `\t  pr_info("patprobe: OBS ${i} zapped=%ld\\n", before - (${present})); }`);
      return out;
    }
    case 'ttm_bo_put':
      out.push(`\tttm_bo_put(&${boArg(a['bo'], handles)}->bo); ${boArg(a['bo'], handles)}_put = 1;`);
      return out;
    case 'page_ref_count':
      out.push(`\tprobe_page_refs(${i}, ${pageArg(a['page'], handles)});`);
      return out;
    case 'get_user_pages': {
      if (!s.as) throw new Unsupported('get_user_pages without as:');
      const count = a['count']?.t === 'num' ? a['count'].v : 1;
      if (count > 4096) throw new Unsupported(`${count} pages (the probe pins at most 4096)`);
      const n = cName(s.as);
      handles.set(s.as, { kind: 'gup', count });
      // The kernel's return is the number pinned; patlab's call returns 0 and says `pinned`.
      out.push(`\t{ long got = probe_gup(${expr(a['addr'], 'vaddr', handles, 'addr')}, ${count}, ${n});`);
      out.push(`\t  if (got < 0) { pr_info("patprobe: OBS ${i} ret=%ld\\n", got); } else { ${n}_pinned = got; pr_info("patprobe: OBS ${i} ret=0\\n"); pr_info("patprobe: OBS ${i} pinned=%ld\\n", got); } }`);
      return out;
    }
    case 'put_page': {
      const p = a['pages'] ?? a['page'];
      if (p?.t !== 'ref') throw new Unsupported("'pages' must name a handle");
      const h = handles.get(p.name);
      const n = cName(p.name);
      if (h?.kind === 'gup') out.push(`\t{ long j; for (j = 0; j < ${n}_pinned; j++) put_page(${n}[j]); ${n}_pinned = 0; }`);
      else if (h?.kind === 'pages') out.push(`\tput_page(${n}[${p.index ?? 0}]);`);
      else throw new Unsupported(`'${p.name}' is not a handle the probe made`);
      return out;
    }
    case 'set_pages_array_wc':
    case 'set_pages_array_uc':
    case 'set_pages_array_wb':
    case 'set_pages_array_wt': {
      const pl = a['pages'];
      if (pl?.t === 'list') {
        // Pages named by pfn (not the scenario's allocations): each must have a struct page.
        if (pl.v.length === 0 || pl.v.length > 64) throw new Unsupported(`a list of ${pl.v.length} pages`);
        out.push(`\t{ static const unsigned long pfns[] = { ${pl.v.map(hex).join(', ')} }; struct page *pl[${pl.v.length}]; int j;`);
        out.push(`\t  for (j = 0; j < ${pl.v.length}; j++) { if (!pfn_valid(pfns[j])) { pr_info("patprobe: OBS ${i} ret=(probe: pfn %#lx has no struct page)\\n", pfns[j]); goto out; } pl[j] = pfn_to_page(pfns[j]); }`);
        out.push(`\t  r = ${s.call}(pl, ${pl.v.length}); }`, obsRet);
        return out;
      }
      const { arr, count } = pagesArg(pl, handles);
      out.push(`\tr = ${s.call}(${arr}, ${count});`, obsRet);
      return out;
    }
    case '_set_memory_uc':
    case '_set_memory_wc':
    case '_set_memory_wt':
    case '_set_memory_wb':
      // Not exported (arch/x86/mm/pat/set_memory.c; ioremap's CPA-only half): through kallsyms.
      out.push(...kallsymsFn(i, s.call, 'int (*f)(unsigned long, int)', 'ret'));
      out.push(`\t  r = f(${expr(a['addr'], 'vaddr', handles, 'addr')}, ${num(a['numpages'])}); }`, obsRet);
      return out;
    case 'track_pfn_insert':
      // Not exported (arch/x86/mm/pat/memtype.c, until v6.15): through kallsyms; it reads only prot and pfn.
      out.push('#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)');
      out.push(...kallsymsFn(i, 'track_pfn_insert', 'void (*f)(struct vm_area_struct *, pgprot_t *, pfn_t)', 'type', `pgprot_t p = __pgprot(cachemode2protval(${PCM[mode(a['prot'], 'prot')]}));`));
      out.push(`\t  f(NULL, &p, __pfn_to_pfn_t(${expr(a['pfn'], 'pfn', handles, 'pfn')}, PFN_DEV));`);
      out.push(`\t  pr_info("patprobe: OBS ${i} type=%s\\n", pte_type(pgprot_val(p), 0)); }`);
      out.push('#endif');
      return out;
    case 'ttm_pool_shrink': {
      // The drm-ttm_pool shrinker's scan itself (static in ttm_pool.c: through kallsyms, which searches modules).
      if (!handles.ttm) throw new Unsupported('ttm_pool_shrink before ttm_device_init (ttm.ko is loaded for TTM scenarios)');
      const n = a['nr_to_scan']?.t === 'num' ? hex(a['nr_to_scan'].v) : 'ULONG_MAX / 2';
      out.push(...kallsymsFn(i, 'ttm_pool_shrinker_scan', 'unsigned long (*f)(struct shrinker *, struct shrink_control *)', 'ret', `struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nr_to_scan = ${n} };`));
      out.push(`\t  { unsigned long got = f(NULL, &sc); pr_info("patprobe: OBS ${i} ret=0\\n"); pr_info("patprobe: OBS ${i} freed=%lu\\n", got == SHRINK_STOP ? 0 : got); } }`);
      return out;
    }
    case 'ttm_pool_backup':
      throw new Unsupported('ttm_pool_backup exists from v6.15 (the TTM shrinker helpers): in none of the probe\'s kernels');
    case 'pci_mmap_resource':
      // A sysfs resource file is a device's, named by the BAR's start on the scenario's machine; qemu's devices have their own BARs.
      throw new Unsupported("the BAR is the scenario machine's device; the qemu machine's devices have other BARs");
    case 'devmem_mmap': {
      // mmap of /dev/mem (drivers/char/mem.c mmap_mem): the kernel's own checks and remap.
      if (!s.as) throw new Unsupported('devmem_mmap without as:');
      handles.set(s.as, { kind: 'addr', count: 0 });
      const dsync = a['o_dsync']?.t === 'bool' && a['o_dsync'].v ? ' | O_DSYNC' : '';
      out.push(`\t{ struct file *f = filp_open("/dev/mem", O_RDWR${dsync}, 0); unsigned long va;`);
      out.push(`\t  if (IS_ERR(f)) { pr_info("patprobe: OBS ${i} ret=(probe: open /dev/mem: %ld)\\n", PTR_ERR(f)); goto out; }`);
      out.push(`\t  va = vm_mmap(f, 0, ${num(a['size'])}, PROT_READ | PROT_WRITE, MAP_SHARED, ${expr(a['phys'], 'phys', handles, 'phys')});`);
      out.push('\t  filp_close(f, NULL);');
      out.push(`\t  if (IS_ERR_VALUE(va)) { pr_info("patprobe: OBS ${i} ret=%ld\\n", (long)va); goto step${i}_end; }`);
      out.push(`\t  ${cName(s.as)} = va; pr_info("patprobe: OBS ${i} ret=0\\n"); }`, `step${i}_end:`);
      return out;
    }
    case 'set_memory_wc':
    case 'set_memory_uc':
    case 'set_memory_wb':
    case 'set_memory_wt':
      out.push(`\tr = ${s.call}(${expr(a['addr'], 'vaddr', handles, 'addr')}, ${num(a['numpages'])});`, obsRet);
      return out;
    case 'set_pages_uc':
    case 'set_pages_wb': {
      const p = a['page'];
      if (p?.t !== 'ref' || handles.get(p.name)?.kind !== 'pages') throw new Unsupported("'page' must name a pages handle");
      out.push(`\tr = ${s.call}(${cName(p.name)}[${p.index ?? 0}], ${num(a['numpages'])});`, obsRet);
      return out;
    }
    case 'ioremap':
    case 'ioremap_uc':
    case 'ioremap_wc':
    case 'ioremap_wt':
    case 'ioremap_cache': {
      // A mapping nobody names later still needs a variable.
      const as = s.as ?? `__step${i}`;
      handles.set(as, { kind: 'addr', count: 0 });
      const n = cName(as);
      out.push(`\t{ void __iomem *v = ${s.call}(${expr(a['phys'], 'phys', handles, 'phys')}, ${num(a['size'])});`);
      out.push(`\t  if (!v) { pr_info("patprobe: OBS ${i} ret=NULL\\n"); goto step${i}_end; }`);
      out.push(`\t  ${n} = (unsigned long)v; pr_info("patprobe: OBS ${i} ret=ok\\n"); }`);
      out.push(`step${i}_end:`);
      return out;
    }
    case 'ioremap_prot': {
      // Only the cache bits of prot_val count: __ioremap_caller(..., pgprot2cachemode(prot_val), ...).
      const as = s.as ?? `__step${i}`;
      handles.set(as, { kind: 'addr', count: 0 });
      out.push(`\t{ void __iomem *v = ioremap_prot(${expr(a['phys'], 'phys', handles, 'phys')}, ${num(a['size'])}, (pgprot_val(PAGE_KERNEL_IO) & ~_PAGE_CACHE_MASK) | cachemode2protval(${PCM[mode(a['prot'], 'prot')]}));`);
      out.push(`\t  if (!v) { pr_info("patprobe: OBS ${i} ret=NULL\\n"); goto step${i}_end; }`);
      out.push(`\t  ${cName(as)} = (unsigned long)v; pr_info("patprobe: OBS ${i} ret=ok\\n"); }`);
      out.push(`step${i}_end:`);
      return out;
    }
    case 'iomap_create_wc':
      // arch/x86/mm/iomap_32.c (32-bit only): the prot it chose is the observation.
      out.push(`#ifdef CONFIG_X86_32`, `\t{ pgprot_t prot = __pgprot(0); r = iomap_create_wc(${expr(a['base'], 'phys', handles, 'base')}, ${num(a['size'])}, &prot);`, `\t  pr_info("patprobe: OBS ${i} ret=%d\\n", r); if (!r) pr_info("patprobe: OBS ${i} prot=%s\\n", pte_type(pgprot_val(prot), 0)); }`, `#endif`);
      return out;
    case 'iomap_free':
      out.push(`#ifdef CONFIG_X86_32`, `\tiomap_free(${expr(a['base'], 'phys', handles, 'base')}, ${num(a['size'])});`, `#endif`);
      return out;
    case '__iomap_local_pfn_prot':
      if (handles.vbias !== 0n) throw new Unsupported('__iomap_local_pfn_prot exists on 32-bit x86 only');
      return kernelPointer(i, s.as, handles, `(void *)__iomap_local_pfn_prot(${expr(a['pfn'], 'pfn', handles, 'pfn')}, __pgprot((pgprot_val(PAGE_KERNEL) & ~_PAGE_CACHE_MASK) | cachemode2protval(${PCM[mode(a['prot'], 'prot')]})))`, true);
    case 'io_mapping_create_wc': {
      // include/linux/io-mapping.h: iomap_create_wc on 32-bit, ioremap_wc on x86-64; its prot is the observation.
      const as = s.as ?? `__step${i}`;
      handles.set(as, { kind: 'iomap', count: 0 });
      out.push(`\t{ struct io_mapping *m = io_mapping_create_wc(${expr(a['base'], 'phys', handles, 'base')}, ${num(a['size'])});`);
      out.push(`\t  if (!m) { pr_info("patprobe: OBS ${i} ret=NULL\\n"); goto step${i}_end; }`);
      out.push(`\t  ${cName(as)} = (unsigned long)m; pr_info("patprobe: OBS ${i} ret=ok\\n"); pr_info("patprobe: OBS ${i} type=%s\\n", pte_type(pgprot_val(m->prot), 0)); }`);
      out.push(`step${i}_end:`);
      return out;
    }
    case 'io_mapping_map_local_wc':
      return kernelPointer(i, s.as, handles, `(void *)io_mapping_map_local_wc((struct io_mapping *)${iomapArg(a['mapping'], handles)}, ${num(a['offset'])})`, true);
    case 'io_mapping_unmap_local':
      out.push(`\tio_mapping_unmap_local((void __iomem *)${expr(a['addr'], 'vaddr', handles, 'addr')});`);
      return out;
    case 'io_mapping_free':
      out.push(`\tio_mapping_free((struct io_mapping *)${iomapArg(a['mapping'], handles)});`);
      return out;
    case 'lookup_address':
      // The pfn of an allocated page is the allocator's choice, not the model's: not compared.
      const ad = a['addr'];
      const fixed = !(ad?.t === 'ref' && handles.get(ad.name)?.kind === 'pages');
      out.push(`\tprobe_kernel_pte(${i}, ${expr(ad, 'vaddr', handles, 'addr')}, ${fixed ? 1 : 0});`);
      return out;
    case 'iounmap':
      out.push(`\tiounmap((void __iomem *)${expr(a['addr'], 'vaddr', handles, 'addr')});`);
      return out;
    case 'memtype_reserve': {
      const t = mode(a['type'], 'type');
      // patlab's memtype_reserve passes new_type unless told not to (new_type: false): so does the module.
      const withNew = !(a['new_type']?.t === 'bool' && !a['new_type'].v);
      out.push(`\t{ enum page_cache_mode nt = 0;`);
      out.push(`\t  r = p_memtype_reserve(${expr(a['start'], 'phys', handles, 'start')}, ${expr(a['end'], 'phys', handles, 'end')}, ${PCM[t]}, ${withNew ? '&nt' : 'NULL'});`);
      out.push(`\t  pr_info("patprobe: OBS ${i} ret=%d\\n", r);`);
      if (withNew) out.push(`\t  if (r == 0) pr_info("patprobe: OBS ${i} new_type=%s\\n", pcm_name(nt));`);
      out.push(`\t}`);
      return out;
    }
    case 'vmap': {
      const { arr, count } = pagesArg(a['pages'], handles);
      const prot = a['prot'] ? PCM[mode(a['prot'], 'prot')] : '_PAGE_CACHE_MODE_WB';
      return kernelPointer(i, s.as, handles, `vmap(${arr}, ${count}, VM_MAP, __pgprot((pgprot_val(PAGE_KERNEL) & ~_PAGE_CACHE_MASK) | cachemode2protval(${prot})))`, true);
    }
    case 'vunmap':
      out.push(`\tvunmap((void *)${expr(a['addr'], 'vaddr', handles, 'addr')});`);
      return out;
    case 'memremap':
      return kernelPointer(i, s.as, handles, `memremap(${expr(a['offset'], 'phys', handles, 'offset')}, ${num(a['size'])}, ${num(a['flags'])})`, true);
    case 'memunmap':
      out.push(`\tmemunmap((void *)${expr(a['addr'], 'vaddr', handles, 'addr')});`);
      return out;
    case 'kmap':
      return kernelPointer(i, s.as, handles, `kmap(${pageArg(a['page'], handles)})`, false);
    case 'kunmap':
      out.push(`\tkunmap(${pageArg(a['page'], handles)});`);
      return out;
    case 'kmap_local_page':
      return kernelPointer(i, s.as, handles, `kmap_local_page(${pageArg(a['page'], handles)})`, false);
    case 'kmap_local_page_prot':
      return kernelPointer(i, s.as, handles, `kmap_local_page_prot(${pageArg(a['page'], handles)}, __pgprot((pgprot_val(PAGE_KERNEL) & ~_PAGE_CACHE_MASK) | cachemode2protval(${PCM[mode(a['prot'], 'prot')]})))`, false);
    case 'kunmap_local':
      out.push(`\tkunmap_local((void *)${expr(a['addr'], 'vaddr', handles, 'addr')});`);
      return out;
    case 'arch_io_reserve_memtype_wc':
      out.push(`\tr = arch_io_reserve_memtype_wc(${expr(a['start'], 'phys', handles, 'start')}, ${num(a['size'])});`, obsRet);
      return out;
    case 'arch_io_free_memtype_wc':
      out.push(`\tarch_io_free_memtype_wc(${expr(a['start'], 'phys', handles, 'start')}, ${num(a['size'])});`);
      return out;
    case 'lookup_memtype':
      out.push(`\tprobe_lookup_memtype(${i}, ${expr(a['addr'], 'phys', handles, 'addr')});`);
      return out;
    case 'memtype_free':
      out.push(`\tr = p_memtype_free(${expr(a['start'], 'phys', handles, 'start')}, ${expr(a['end'], 'phys', handles, 'end')});`, obsRet);
      return out;
    default:
      // KVM needs a VM with vCPUs, and qemu's TCG gives the guest no hardware virtualisation (VMX/SVM).
      if (/^(kvm_|hva_to_pfn)/.test(s.call)) throw new Unsupported(`${s.call}: KVM cannot run under qemu's TCG (no VMX/SVM in the guest)`);
      throw new Unsupported(`${s.call} (the probe's module generator does not write it yet)`);
  }
}

/**
 * Where patlab stops, the module stops: before a step that names an address handle its call
 * left empty (NULL, or an errno as an address), as patlab stops before a step whose handle has
 * no value (run/execute.ts stopOnUnboundHandle). Going on with a NULL would make calls patlab
 * never predicts, whose effects (a WARN_ONCE fired, a split) a later module of a shared boot
 * would find. Pages and user mappings stop the module where they fail already.
 */
function unboundGuard(s: ScenarioStep, handles: Handles): string[] {
  const names = new Set<string>();
  for (const a of Object.values(s.args)) {
    if (a.t !== 'ref') continue;
    const h = handles.get(a.name);
    if (h && (h.kind === 'addr' || h.kind === 'iomap')) names.add(a.name);
  }
  return [...names].map((name) => `\tif (!${cName(name)} || IS_ERR_VALUE(${cName(name)})) { pr_info("patprobe: UNBOUND ${s.index} ${name}\\n"); goto out; }`);
}

/** The module for a scenario's steps, stopping at the first step it cannot write. */
export function moduleSource(sc: Scenario): ModuleSource {
  const handles: Handles = Object.assign(new Map<string, Handle>(), { vbias: sc.machine.arch === 'x86-64' ? 0xffff000000000000n : 0n });
  const bodies: string[] = [];
  const steps: number[] = [];
  let unsupported: ModuleSource['unsupported'];
  // The scenario's processes (pid -> the user program's process number; pid 1 is the first) and the plan.
  const procs = new Map<number, number>([[1, 1]]);
  let nextProc = 2;
  const plan: string[] = [];
  const names: string[] = [];
  // Without a fork, an exit or an mremap every step runs in insmod, whatever pid it names (its pid is the model's alone).
  const withProcs = sc.steps.some((s) => s.call === 'fork' || s.call === 'exit' || s.call === 'mremap');
  const mremapArgs: string[] = [];
  const mremapDone: string[] = [];
  for (const s of sc.steps) {
    let body: string[] = [];
    try {
      // A step with no pid: after the first process exited runs in the user program's controller (process 0).
      const proc = !withProcs ? 1 : (procs.get(s.pid ?? 1) ?? (s.pid === undefined && plan.length > 0 && !['fork', 'exit'].includes(s.call) ? 0 : undefined));
      if (proc === undefined) throw new Unsupported(`pid ${s.pid ?? 1} is not a process the probe has (a fork's child_pid, before it exits)`);
      if (s.call === 'fork') {
        const child = s.args['child_pid'];
        if (child?.t !== 'num') throw new Unsupported('fork without child_pid: (the probe names the child by it)');
        if (procs.has(child.v)) throw new Unsupported(`fork: pid ${child.v} exists`);
        if (nextProc > 8) throw new Unsupported('more than 8 processes');
        procs.set(child.v, nextProc);
        plan.push(`${proc}:F${s.index}:${nextProc++}`);
        names.push(`case ${s.index}: return "fork";`);
      } else if (s.call === 'exit') {
        procs.delete(s.pid ?? 1);
        plan.push(`${proc}:X${s.index}`);
        names.push(`case ${s.index}: return "exit";`);
      } else if (s.call === 'mremap') {
        // The system call, made by the process itself (the kernel exports no mremap): the module gives it the arguments.
        if (s.args['new_addr'] !== undefined) throw new Unsupported("mremap with new_addr: a fixed address is of the model's layout, not the real process's");
        if (proc === 0) throw new Unsupported('mremap after the first process has exited, with no pid:');
        const addr = expr(s.args['addr'], 'vaddr', handles, 'addr');
        plan.push(`${proc}:M${s.index}`);
        names.push(`case ${s.index}: return "mremap";`);
        mremapArgs.push(`\tcase ${s.index}: snprintf(probe_args, sizeof(probe_args), "%lu %lu %lu\\n", (unsigned long)(${addr}), (unsigned long)${num(s.args['old_size'])}, (unsigned long)${num(s.args['new_size'])}); break;`);
        if (s.as) {
          handles.set(s.as, { kind: 'addr', count: 0 });
          mremapDone.push(`\tcase ${s.index}: ${cName(s.as)} = ret; break;`);
        }
      } else {
        const guard = unboundGuard(s, handles);
        body = stepBody(s, handles);
        plan.push(`${proc}:R${s.index}`);
        bodies.push(`\tcase ${s.index}: {`, ...guard, `\tpr_info("patprobe: STEP ${s.index} ${s.call} BEGIN\\n");`, ...body, `\tpr_info("patprobe: STEP ${s.index} END\\n");`, '\t} break;');
      }
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      unsupported = { step: s.index, reason: `step ${s.index} ${s.call}: ${e.message}` };
      break;
    }
    steps.push(s.index);
  }
  const user = plan.some((t) => /:[FXM]/.test(t));
  const decls: string[] = [];
  const frees: string[] = [];
  const exits: string[] = [];
  for (const [name, h] of handles) {
    const n = cName(name);
    if (h.kind === 'pages') {
      decls.push(`static struct page *${n}[${h.count}];`, `static int ${n}_order, ${n}_blocks;`);
      frees.push(`\t{ int b; for (b = 0; b < ${n}_blocks; b++) __free_pages(${n}[b << ${n}_order], ${n}_order); }`);
    } else if (h.kind === 'gup') {
      decls.push(`static struct page *${n}[${h.count}];`, `static long ${n}_pinned;`);
      frees.push(`\t{ long j; for (j = 0; j < ${n}_pinned; j++) put_page(${n}[j]); }`);
    } else if (h.kind === 'bo') {
      decls.push(`static struct probe_bo *${n};`, `static int ${n}_put;`);
      // At rmmod: the reference a scenario never put, so the device goes with no BO left (its mappings' references went with insmod's exit).
      exits.push(`\tif (${n} && !${n}_put) ttm_bo_put(&${n}->bo);`);
    }
    else if (h.kind === 'ttpages') decls.push(`static struct page *${n}[${h.count}];`);
    else decls.push(`static unsigned long ${n};`);
  }
  const c = [
    '// SPDX-License-Identifier: GPL-2.0',
    `/* Generated by patlab probe from ${sc.file.replace(/\*\//g, '* /')} (scenario ${sc.name.replace(/\*\//g, '* /')}). */`,
    ...(handles.ttm ? ['#define PATPROBE_TTM 1'] : []),
    TEMPLATE_HEAD,
    ...(handles.ttm ? [TEMPLATE_TTM] : []),
    ...decls,
    '',
    '/* The calls the user program makes itself, by step, for their markers. */',
    `static const char *probe_call(long i) { switch (i) { ${names.map((x) => x + ' ').join('')}default: return "?"; } }`,
    '',
    '/* An mremap step\'s arguments for the user program (read() after "ARGS n"), and its new address once made. */',
    'static char probe_args[96];',
    `static void probe_mremap_args(long i) { probe_args[0] = 0; switch (i) {`,
    ...mremapArgs,
    '\tdefault: break; } }',
    `static void __maybe_unused probe_mremapped(long i, unsigned long ret) { switch (i) {`,
    ...mremapDone,
    '\tdefault: break; } }',
    '',
    '/* One step, in the context of the process that runs it (insmod, or the user program\'s). -1: stop. */',
    'static int probe_step(int i)',
    '{',
    '\tint r = 0;',
    '\tswitch (i) {',
    ...bodies,
    '\tdefault: break;',
    '\t}',
    '\treturn 0;',
    'out:',
    '\t(void)r;',
    '\treturn -1;',
    '}',
    '',
    '/* After the last step: the final state, then what the module holds is given back. */',
    'static void probe_finish(void)',
    '{',
    '\tprobe_final();',
    ...frees,
    '\tprobe_teardown();',
    '\tpr_info("patprobe: DONE\\n");',
    '}',
    '',
    'static int __init patprobe_init(void)',
    '{',
    '\tif (probe_setup()) return -ENOENT;',
    '\tpr_info("patprobe: BEGIN\\n");',
    ...(user ? [] : ['\tpr_info("patprobe: PID %d\\n", current->pid);']),
    // With the user program the steps run after insmod returns: the starting state is taken at its first write (probe_write).
    ...(user ? [] : ['\tprobe_begin_state();']),
    ...(user
      ? ['\t/* The user program (probe/patprobe-user.c) runs the steps through probe_write(). */', '\treturn 0;']
      : [...steps.map((i) => `\tif (probe_step(${i})) goto out;`), 'out:', '\tprobe_finish();', '\treturn 0;']),
    '}',
    '',
    '/* rmmod, once insmod (and the user program) have exited and their mappings are gone. */',
    'static void __exit patprobe_exit(void)',
    '{',
    ...exits,
    ...(handles.ttm ? ['\tprobe_ttm_fini();'] : []),
    '}',
    'module_init(patprobe_init);',
    'module_exit(patprobe_exit);',
    '',
  ].join('\n');
  return { c, steps, ...(unsupported ? { unsupported } : {}), ...(handles.ttm ? { ttm: handles.ttm } : {}), ...(user ? { plan } : {}) };
}

/**
 * TTM through ttm.ko (and drm.ko), loaded before the module: a `ttm_device` on the module's misc
 * device with a VMA offset manager and a system-memory BO whose tt the driver callback creates
 * with the BO's caching; `ttm_tt_populate` is then TTM's own pool (ttm_pool_alloc, caching applied
 * by set_pages_array_*). A BO's CPU mapping (mmap, fault) needs a DRM device: not generated.
 */
const TEMPLATE_TTM = String.raw`#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_tt.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_range_manager.h>
#include <drm/ttm/ttm_resource.h>
#include <linux/iosys-map.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#include <drm/ttm/ttm_bo.h>
#else
#include <drm/ttm/ttm_bo_api.h>
#include <drm/ttm/ttm_bo_driver.h>
#endif

struct probe_bo { struct ttm_buffer_object bo; enum ttm_caching caching; u64 bus_offset; };
static int probe_ttm_mmap(struct vm_area_struct *vma);
static struct ttm_device probe_bdev;
static struct drm_vma_offset_manager probe_vma_mgr;
static struct drm_driver probe_drm_driver;
static struct drm_device probe_drm;

static struct ttm_tt *probe_tt_create(struct ttm_buffer_object *bo, uint32_t page_flags)
{
	struct ttm_tt *tt = kzalloc(sizeof(*tt), GFP_KERNEL);
	if (!tt) return NULL;
	if (ttm_tt_init(tt, bo, page_flags, container_of(bo, struct probe_bo, bo)->caching, 0)) { kfree(tt); return NULL; }
	return tt;
}
static void probe_tt_destroy(struct ttm_device *bdev, struct ttm_tt *tt) { ttm_tt_fini(tt); kfree(tt); }
static void probe_evict_flags(struct ttm_buffer_object *bo, struct ttm_placement *p) { p->num_placement = 0; }
/* Only system memory: placing a BO (6.12 moves a new BO into its first resource) is a null move. */
static int probe_move(struct ttm_buffer_object *bo, bool evict, struct ttm_operation_ctx *ctx, struct ttm_resource *new_mem, struct ttm_place *hop)
{
	ttm_bo_move_null(bo, new_mem);
	return 0;
}
/* A VRAM BO's aperture: the bus address the scenario gave it, I/O memory with the BO's caching. */
static int probe_io_mem_reserve(struct ttm_device *bdev, struct ttm_resource *mem)
{
	struct probe_bo *b;
	if (mem->mem_type != TTM_PL_VRAM) return mem->mem_type == TTM_PL_SYSTEM ? 0 : -EINVAL;
	b = container_of(mem->bo, struct probe_bo, bo);
	mem->bus.offset = b->bus_offset;
	mem->bus.is_iomem = true;
	mem->bus.caching = b->caching;
	return 0;
}
static struct ttm_device_funcs probe_ttm_funcs = { .ttm_tt_create = probe_tt_create, .ttm_tt_destroy = probe_tt_destroy, .evict_flags = probe_evict_flags, .move = probe_move, .io_mem_reserve = probe_io_mem_reserve };

static bool probe_ttm_inited, probe_vram;
static int probe_ttm_device_init(bool use_dma32)
{
	int r;
	probe_mmap_hook = probe_ttm_mmap;
	probe_drm.driver = &probe_drm_driver;
	/* BO offsets in pages: 256 MiB from 256 MiB, so that the byte offset an mmap passes fits a 32-bit unsigned long. */
	drm_vma_offset_manager_init(&probe_vma_mgr, 0x10000, 0x10000);
	/* The device's address space is the misc file's: BO mappings are its VMAs (ttm_bo_unmap_virtual zaps them). */
	r = ttm_device_init(&probe_bdev, &probe_ttm_funcs, probe_dev.this_device, probe_file->f_mapping, &probe_vma_mgr, false, use_dma32);
	probe_ttm_inited = r == 0;
	/* A VRAM manager (offsets only; a BO's bus address is its own): 1 GiB of pages. */
	if (r == 0) probe_vram = ttm_range_man_init(&probe_bdev, TTM_PL_VRAM, false, 1UL << (30 - PAGE_SHIFT)) == 0;
	return r;
}

/*
 * At rmmod (after every mapping of a BO has gone with its process): the device goes, and with the
 * last device TTM's global pools (ttm_global_release -> ttm_pool_mgr_fini), so the next module of a
 * shared boot starts from TTM as freshly loaded (docs/probe.md, "Several scenarios per boot").
 */
static void probe_ttm_fini(void)
{
	if (probe_vram) ttm_range_man_fini(&probe_bdev, TTM_PL_VRAM);
	if (probe_ttm_inited) ttm_device_fini(&probe_bdev);
	probe_ttm_inited = probe_vram = false;
}

static void probe_bo_destroy(struct ttm_buffer_object *bo) { dma_resv_fini(&bo->base._resv); kfree(container_of(bo, struct probe_bo, bo)); }

static struct probe_bo *probe_bo_create(size_t size, enum ttm_caching caching, bool vram, u64 bus_offset, int *ret)
{
	struct ttm_operation_ctx ctx = { .interruptible = false, .no_wait_gpu = false };
	struct ttm_place place = { .mem_type = vram ? TTM_PL_VRAM : TTM_PL_SYSTEM };
	struct ttm_placement placement = { .num_placement = 1, .placement = &place,
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 9, 0)
		.num_busy_placement = 1, .busy_placement = &place,
#endif
	};
	struct probe_bo *b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b) { *ret = -ENOMEM; return NULL; }
	b->caching = caching;
	b->bus_offset = bus_offset;
	drm_gem_private_object_init(&probe_drm, &b->bo.base, size);
	/*
	 * A device BO, as one userspace maps: it gets an offset in the device's address space
	 * (drm_vma_offset_add), which its mmap uses and ttm_bo_unmap_virtual zaps; a kernel BO has
	 * none, and its unmap zaps nothing. On error ttm_bo_init_reserved() calls the destroy
	 * callback itself.
	 */
	*ret = ttm_bo_init_reserved(&probe_bdev, &b->bo, ttm_bo_type_device, &placement, 0, &ctx, NULL, NULL, probe_bo_destroy);
	if (*ret) return NULL;
	dma_resv_unlock(b->bo.base.resv);
	return b;
}

/* The module's ->mmap for a BO mapping (probe_mmap_hook): what a TTM driver's mmap does. */
static int probe_ttm_mmap(struct vm_area_struct *vma) { return ttm_bo_mmap_obj(vma, probe_mmap_bo); }

static void probe_vma_prot(int step, unsigned long va)
{
	struct vm_area_struct *vma;
	mmap_read_lock(current->mm); vma = find_vma(current->mm, va);
	if (vma) pr_info("patprobe: OBS %d type=%s\n", step, pte_type(pgprot_val(vma->vm_page_prot), 0));
	mmap_read_unlock(current->mm);
}

static void probe_tt_runs(int step, struct ttm_tt *tt)
{
	unsigned long j, e;
	for (j = 0; j < tt->num_pages; j = e) {
		e = j + 1;
		if (!tt->pages[j]) continue;
		while (e < tt->num_pages && tt->pages[e] && page_to_pfn(tt->pages[e]) == page_to_pfn(tt->pages[j]) + (e - j)) e++;
		pr_info("patprobe: TTRUN %d %lu %lu %#lx\n", step, j, e - j, page_to_pfn(tt->pages[j]));
	}
}

/*
 * A CPU fault on a BO mapping, as ttm_bo_vm_fault() makes it: the BO reserved, then
 * ttm_bo_vm_fault_reserved() with vm_page_prot and TTM_BO_VM_NUM_PREFAULT (it populates the tt
 * and inserts through vmf_insert_pfn_prot). Observed: the fault, the PTEs present from the address
 * over the prefault window, the prot TTM asked for, and the PTE and page at the address.
 */
static void probe_ttm_fault(int step, unsigned long va, int write)
{
	struct vm_area_struct *vma; struct ttm_buffer_object *bo; vm_fault_t f; pgprot_t prot;
	unsigned long q, end, pfn = 0; u64 flags = 0; int large = 0, n = 0, found;
	mmap_read_lock(current->mm); vma = find_vma(current->mm, va);
	if (!vma || vma->vm_start > va || !vma->vm_private_data) { mmap_read_unlock(current->mm); pr_info("patprobe: OBS %d fault=VM_FAULT_SIGSEGV\n", step); return; }
	bo = vma->vm_private_data;
	prot = vma->vm_page_prot;
	{
		struct vm_fault vmf = { .vma = vma, .address = va & PAGE_MASK, .flags = write ? FAULT_FLAG_WRITE : 0 };
		dma_resv_lock(bo->base.resv, NULL);
		f = ttm_bo_vm_fault_reserved(&vmf, prot, TTM_BO_VM_NUM_PREFAULT);
		dma_resv_unlock(bo->base.resv);
	}
	end = min(vma->vm_end, (va & PAGE_MASK) + TTM_BO_VM_NUM_PREFAULT * PAGE_SIZE);
	for (q = va & PAGE_MASK; q < end; q += PAGE_SIZE) { u64 fl; int lg; unsigned long pf; if (probe_user_lookup(q, &fl, &lg, &pf)) n++; }
	found = probe_user_lookup(va, &flags, &large, &pfn);
	mmap_read_unlock(current->mm);
	pr_info("patprobe: OBS %d fault=%s\n", step, fault_name(f));
	pr_info("patprobe: OBS %d prefaulted=%d\n", step, n);
	pr_info("patprobe: OBS %d requested=%s\n", step, pte_type(pgprot_val(ttm_io_prot(bo, bo->resource, prot)), 0));
	if (bo->ttm) probe_tt_runs(step, bo->ttm);
	if (!found) return;
	pr_info("patprobe: OBS %d type=%s\n", step, pte_type(flags, large));
	if (!pfn_valid(pfn)) return;
	pr_info("patprobe: OBS %d highmem=%s\n", step, PageHighMem(pfn_to_page(pfn)) ? "true" : "false");
	if (p_lookup_memtype) pr_info("patprobe: OBS %d page_memtype=%s\n", step, pcm_name(p_lookup_memtype((u64)pfn << PAGE_SHIFT)));
}

/* Present PTEs of the VMA holding va (the caller holds no mmap lock). */
static long probe_vma_present(unsigned long va)
{
	struct vm_area_struct *vma; unsigned long q; long n = 0;
	mmap_read_lock(current->mm); vma = find_vma(current->mm, va);
	if (vma && vma->vm_start <= va)
		for (q = vma->vm_start; q < vma->vm_end; q += PAGE_SIZE) { u64 fl; int lg; unsigned long pf; if (probe_user_lookup(q, &fl, &lg, &pf)) n++; }
	mmap_read_unlock(current->mm);
	return n;
}

/*
 * User space touching [va, va + size): every page with no PTE faults, through handle_mm_fault()
 * with the mmap lock held for reading, as the arch's fault handler calls it for a user access
 * (FAULT_FLAG_USER, and WRITE for a write): the VMA's own ->fault runs (ttm_bo_vm_fault, which
 * prefaults). Observed: the faults taken, the PTEs they inserted, the vm_fault_t of the first
 * that failed (else VM_FAULT_NOPAGE) and where.
 */
static void probe_ttm_touch(int step, unsigned long va, unsigned long size, int write)
{
	unsigned long q, end = va + size; long faults = 0, before = probe_vma_present(va); vm_fault_t f = VM_FAULT_NOPAGE;
	struct vm_area_struct *vma; struct ttm_buffer_object *bo = NULL; int bad = 0;
	for (q = va & PAGE_MASK; q < end && !bad; q += PAGE_SIZE) {
		u64 fl; int lg; unsigned long pf;
		mmap_read_lock(current->mm);
		vma = find_vma(current->mm, q);
		if (!vma || vma->vm_start > q) { f = VM_FAULT_SIGSEGV; bad = 1; }
		else if (!probe_user_lookup(q, &fl, &lg, &pf)) {
			vm_fault_t r = handle_mm_fault(vma, q, FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0), NULL);
			faults++;
			if (r & VM_FAULT_ERROR) { f = r; bad = 1; }
		}
		mmap_read_unlock(current->mm);
	}
	pr_info("patprobe: OBS %d faults=%ld\n", step, faults);
	pr_info("patprobe: OBS %d inserted=%ld\n", step, probe_vma_present(va) - before);
	pr_info("patprobe: OBS %d fault=%s\n", step, fault_name(f));
	if (bad) pr_info("patprobe: OBS %d at=%#lx\n", step, q - PAGE_SIZE);
	mmap_read_lock(current->mm); vma = find_vma(current->mm, va);
	if (vma && vma->vm_start <= va) bo = vma->vm_private_data;
	mmap_read_unlock(current->mm);
	if (bo && bo->ttm) probe_tt_runs(step, bo->ttm);
}

/* ttm_bo_vmap()/ttm_bo_vunmap() need the BO reserved and the iosys_map: kept per address. */
static struct { unsigned long va; struct ttm_buffer_object *bo; struct iosys_map map; } probe_vmaps[8];
static unsigned long probe_ttm_vmap(struct ttm_buffer_object *bo, int *ret)
{
	int j;
	for (j = 0; j < 8 && probe_vmaps[j].va; j++) ;
	if (j == 8) { *ret = -ENOSPC; return 0; }
	dma_resv_lock(bo->base.resv, NULL);
	*ret = ttm_bo_vmap(bo, &probe_vmaps[j].map);
	dma_resv_unlock(bo->base.resv);
	if (*ret) return 0;
	probe_vmaps[j].bo = bo;
	probe_vmaps[j].va = (unsigned long)(probe_vmaps[j].map.is_iomem ? (void __force *)probe_vmaps[j].map.vaddr_iomem : probe_vmaps[j].map.vaddr);
	return probe_vmaps[j].va;
}
static void probe_ttm_vunmap(unsigned long va)
{
	int j;
	for (j = 0; j < 8; j++) if (probe_vmaps[j].va == va) {
		dma_resv_lock(probe_vmaps[j].bo->base.resv, NULL);
		ttm_bo_vunmap(probe_vmaps[j].bo, &probe_vmaps[j].map);
		dma_resv_unlock(probe_vmaps[j].bo->base.resv);
		probe_vmaps[j].va = 0;
	}
}

/* TTM's copy path: ttm_kmap_iter_tt's map_local of page i (kmap_local_page_prot with the tt's caching). */
static unsigned long probe_ttm_map_local(int step, struct ttm_tt *tt, unsigned long i)
{
	struct ttm_kmap_iter_tt it; struct iosys_map dmap; struct ttm_kmap_iter *iter;
	unsigned long va; struct page *pg;
	if (!tt || i >= tt->num_pages || !tt->pages[i]) { pr_info("patprobe: OBS %d ret=%d\n", step, -EINVAL); return 0; }
	pg = tt->pages[i];
	iter = ttm_kmap_iter_tt_init(&it, tt);
	iter->ops->map_local(iter, &dmap, i);
	va = (unsigned long)dmap.vaddr;
	pr_info("patprobe: OBS %d ret=ok\n", step);
	probe_kernel_type(step, va);
	pr_info("patprobe: OBS %d new_mapping=%s\n", step, PageHighMem(pg) || va != (unsigned long)page_address(pg) ? "true" : "false");
	pr_info("patprobe: OBS %d highmem=%s\n", step, PageHighMem(pg) ? "true" : "false");
	if (p_lookup_memtype) pr_info("patprobe: OBS %d page_memtype=%s\n", step, pcm_name(p_lookup_memtype(page_to_phys(pg))));
	return va;
}

/* What a populated tt shows: how many of its pages are highmem, and the first page's. */
static void probe_tt_obs(int step, struct ttm_tt *tt, int populate)
{
	unsigned long j, hi = 0, n = 0;
	for (j = 0; j < tt->num_pages; j++) if (tt->pages[j]) { n++; if (PageHighMem(tt->pages[j])) hi++; }
	if (populate) {
		/* The pages, as runs, for patlab's replay (alloc_pages' ALLOC lines for a tt). */
		probe_tt_runs(step, tt);
		pr_info("patprobe: OBS %d highmem_pages=%lu\n", step, hi);
	}
	else pr_info("patprobe: OBS %d pages=%lu\n", step, n);
	if (!n) return;
	pr_info("patprobe: OBS %d highmem=%s\n", step, PageHighMem(tt->pages[0]) ? "true" : "false");
	if (p_lookup_memtype) pr_info("patprobe: OBS %d page_memtype=%s\n", step, pcm_name(p_lookup_memtype(page_to_phys(tt->pages[0]))));
}
`;

/** What every module shares: the misc device, kallsyms look-ups, PTE decoding, final state. */
const TEMPLATE_HEAD = String.raw`#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/version.h>
#include <linux/kprobes.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/workqueue.h>
#include <linux/shrinker.h>
#include <linux/mman.h>
#include <linux/highmem.h>
#include <linux/vmalloc.h>
#include <linux/io.h>
#include <linux/io-mapping.h>
#include <linux/slab.h>
#include <linux/err.h>
#include <linux/uaccess.h>
#include <linux/pfn_t.h>
#include <asm/set_memory.h>
#include <asm/pgtable.h>
#include <asm/msr.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("patlab probe: one scenario's calls, with observations");

static unsigned long probe_vm_flags;
static int probe_vm_cm = -1;
static struct file *probe_file;
static int (*p_memtype_reserve)(u64 start, u64 end, enum page_cache_mode req, enum page_cache_mode *new_type);
static void (*p_memtype_free)(u64 start, u64 end);
static enum page_cache_mode (*p_lookup_memtype)(u64 paddr);
#define p_memtype_free(s, e) (p_memtype_free((s), (e)), 0)

static const char * __maybe_unused pcm_name(enum page_cache_mode m)
{
	static const char *const n[] = { "write-back", "write-combining", "uncached-minus", "uncached", "write-through", "write-protected" };
	return (unsigned)m < 6 ? n[m] : "broken";
}

static const char *fault_name(vm_fault_t f)
{
	if (f == VM_FAULT_NOPAGE) return "VM_FAULT_NOPAGE";
	if (f == VM_FAULT_SIGBUS) return "VM_FAULT_SIGBUS";
	if (f == VM_FAULT_OOM) return "VM_FAULT_OOM";
	if (f == 0) return "0";
	return "other";
}

static int pat_idx(u64 flags, int large)
{
	return ((flags & _PAGE_PWT) ? 1 : 0) | ((flags & _PAGE_PCD) ? 2 : 0) | ((flags & (large ? _PAGE_PAT_LARGE : _PAGE_PAT)) ? 4 : 0);
}

/* The memory type a PTE's PWT/PCD/PAT bits select, through IA32_PAT as the kernel programmed it. */
static const char *pte_type(u64 flags, int large)
{
	u64 pat; int idx; static const char *const t[8] = { "uncached", "write-combining", "?2", "?3", "write-through", "write-protected", "write-back", "uncached-minus" };
	if (!boot_cpu_has(X86_FEATURE_PAT)) return "no-pat";
	rdmsrl(MSR_IA32_CR_PAT, pat);
	idx = pat_idx(flags, large);
	return t[(pat >> (idx * 8)) & 7];
}

static void __maybe_unused probe_kernel_pte(int step, unsigned long va, int show_pfn)
{
	unsigned int level; pte_t *pte = lookup_address(va, &level); int large = level != PG_LEVEL_4K;
	static const char *const lv[] = { "none", "4k", "2m", "1g", "512g" }; /* patlab's names */
	if (!pte || !pte_present(*pte)) { pr_info("patprobe: OBS %d ret=NULL\n", step); return; }
	pr_info("patprobe: OBS %d level=%s\n", step, level < 5 ? lv[level] : "?");
	if (show_pfn) pr_info("patprobe: OBS %d pfn=%#lx\n", step, large ? (unsigned long)(pte_pfn(*pte) + ((va & ~(level == PG_LEVEL_2M ? PMD_MASK : PUD_MASK)) >> PAGE_SHIFT)) : (unsigned long)pte_pfn(*pte));
	pr_info("patprobe: OBS %d type=%s\n", step, pte_type(pte_flags(*pte), large));
	pr_info("patprobe: OBS %d pat_index=%d\n", step, pat_idx(pte_flags(*pte), large));
}

/* The type the kernel PTE of a kernel address decodes to. */
static void __maybe_unused probe_kernel_type(int step, unsigned long va)
{
	unsigned int level; pte_t *pte = lookup_address(va, &level);
	if (!pte || !pte_present(*pte)) { pr_info("patprobe: OBS %d type=none\n", step); return; }
	pr_info("patprobe: OBS %d type=%s\n", step, pte_type(pte_flags(*pte), level != PG_LEVEL_4K));
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0) && defined(CONFIG_X86_64)
/*
 * follow_pfnmap_start() walks only VM_IO/VM_PFNMAP VMAs: the normal PTEs vm_insert_page writes
 * are read by walking the tables by hand (under mmap_lock; x86-64 page tables are never highmem).
 */
static int __maybe_unused walk_user_ptes(struct mm_struct *mm, unsigned long va, u64 *flags, int *large, unsigned long *pfn)
{
	pgd_t *pgd = pgd_offset(mm, va); p4d_t *p4d; pud_t *pud; pmd_t *pmd; pte_t *pte;
	if (pgd_none(*pgd)) return 0;
	p4d = p4d_offset(pgd, va);
	if (p4d_none(*p4d)) return 0;
	pud = pud_offset(p4d, va);
	if (pud_none(*pud)) return 0;
	if (pud_leaf(*pud)) { *flags = pud_flags(*pud); *large = 1; *pfn = pud_pfn(*pud) + ((va & ~PUD_MASK) >> PAGE_SHIFT); return pud_present(*pud); }
	pmd = pmd_offset(pud, va);
	if (pmd_none(*pmd)) return 0;
	if (pmd_leaf(*pmd)) { *flags = pmd_flags(*pmd); *large = 1; *pfn = pmd_pfn(*pmd) + ((va & ~PMD_MASK) >> PAGE_SHIFT); return pmd_present(*pmd); }
	pte = pte_offset_kernel(pmd, va);
	if (!pte_present(*pte)) return 0;
	*flags = pte_flags(*pte); *pfn = pte_pfn(*pte);
	return 1;
}
#endif

/* The user PTE of the current process (the insmod process) at va, mmap_lock held by the caller. */
static int __maybe_unused probe_user_lookup(unsigned long va, u64 *flags, int *large, unsigned long *pfn)
{
	int found = 0;
	*large = 0;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	{
		struct vm_area_struct *vma = find_vma(current->mm, va); struct follow_pfnmap_args args = { 0 };
		if (vma) { args.vma = vma; args.address = va;
			if (!follow_pfnmap_start(&args)) { *flags = pgprot_val(args.pgprot); *pfn = args.pfn; found = 1; follow_pfnmap_end(&args); } }
	}
#if defined(CONFIG_X86_64)
	if (!found) found = walk_user_ptes(current->mm, va, flags, large, pfn);
#endif
#else
	{
		pte_t *ptep; spinlock_t *ptl;
		if (!follow_pte(current->mm, va, &ptep, &ptl)) { *flags = pte_flags(*ptep); *pfn = pte_pfn(*ptep); found = 1; pte_unmap_unlock(ptep, ptl); }
	}
#endif
	return found;
}

/*
 * The direct-map cache bits of freshly allocated pages that are not WB: an earlier module of the
 * boot freed them so (a set_memory_* never undone), and patlab's prediction gives its pages the
 * same bits (docs/probe.md).
 */
static void __maybe_unused probe_alloc_bits(int step, struct page *pg, int n)
{
	int j;
	for (j = 0; j < n; j++) {
		unsigned int level; pte_t *pte;
		if (PageHighMem(pg + j)) continue;
		pte = lookup_address((unsigned long)page_address(pg + j), &level);
		if (pte && level == PG_LEVEL_4K && (pte_flags(*pte) & _PAGE_CACHE_MASK))
			pr_info("patprobe: ALLOCBITS %d %#lx %#lx\n", step, page_to_pfn(pg + j), (unsigned long)(pte_flags(*pte) & _PAGE_CACHE_MASK));
	}
}

/* kallsyms_lookup_name(), found through a kprobe at setup (probe_setup). */
static unsigned long (*p_kln)(const char *);

/*
 * The 2 MiB blocks of the direct map the boot left in 4 KiB pages (late-boot permission changes
 * the boot model does not make): patlab replays them before the first step (setup/late-boot-splits.ts).
 */
static void probe_print_4k_blocks(void)
{
	unsigned long va; unsigned int level;
	for (va = PAGE_OFFSET; va < (unsigned long)high_memory; va += PMD_SIZE) {
		pte_t *pte = lookup_address(va, &level);
		if (pte && level == PG_LEVEL_4K) pr_info("patprobe: DMAP4K %#lx\n", (unsigned long)(__pa(va) >> PAGE_SHIFT));
	}
#ifdef CONFIG_X86_64
	/*
	 * The kernel image's high map (its own 2 MiB leaves): the blocks in 4 KiB pages, by the pfn
	 * each maps. A CPA on a kernel-image page changes its high-map alias too, and an earlier
	 * module's split there is the real kernel's, not the boot model's.
	 */
	{
		unsigned long text = p_kln("_text"), end = p_kln("_end");
		if (text && end)
			for (va = text & PMD_MASK; va < end; va += PMD_SIZE) {
				pte_t *pte = lookup_address(va, &level);
				if (pte && level == PG_LEVEL_4K) pr_info("patprobe: HMAP4K %#lx\n", (unsigned long)(slow_virt_to_phys((void *)va) >> PAGE_SHIFT));
			}
	}
	/* 1 GiB blocks wholly in RAM's direct map that are not one 1 GiB leaf (a split left by a boot or an earlier module). */
	if (boot_cpu_has(X86_FEATURE_GBPAGES))
		for (va = PAGE_OFFSET; va + PUD_SIZE <= (unsigned long)high_memory; va += PUD_SIZE) {
			pte_t *pte = lookup_address(va, &level);
			if (pte && level != PG_LEVEL_1G) pr_info("patprobe: DMAP2M %#lx\n", (unsigned long)(__pa(va) >> PAGE_SHIFT));
		}
#endif
}

/* apply_to_page_range()'s callback: a special PTE of the next pfn (or page) with the step's prot. */
struct probe_atpr { unsigned long start, first_pfn, npages; struct page **pages; pgprot_t prot; struct mm_struct *mm; };
static int __maybe_unused probe_atpr_fn(pte_t *pte, unsigned long addr, void *data)
{
	struct probe_atpr *d = data; unsigned long i = (addr - d->start) >> PAGE_SHIFT, pfn;
	if (d->pages) { if (i >= d->npages) return -ENOMEM; pfn = page_to_pfn(d->pages[i]); } else pfn = d->first_pfn + i;
	set_pte_at(d->mm, addr, pte, pte_mkspecial(pfn_pte(pfn, d->prot)));
	return 0;
}

/* Walk the user page tables of the current process (the insmod process). */
static void __maybe_unused probe_user_pte(int step, unsigned long va)
{
	u64 flags = 0; int found, large = 0; unsigned long pfn = 0;
	mmap_read_lock(current->mm);
	found = probe_user_lookup(va, &flags, &large, &pfn);
	mmap_read_unlock(current->mm);
	if (!found) { pr_info("patprobe: OBS %d type=none\n", step); return; }
	pr_info("patprobe: OBS %d type=%s\n", step, pte_type(flags, large));
}

/* lookup_memtype() is static in arch/x86/mm/pat/memtype.c: called through kallsyms when it is there. */
static void __maybe_unused probe_lookup_memtype(int step, u64 paddr)
{
	if (!p_lookup_memtype) { pr_info("patprobe: OBS %d type=(lookup_memtype is not in kallsyms)\n", step); return; }
	pr_info("patprobe: OBS %d type=%s\n", step, pcm_name(p_lookup_memtype(paddr)));
}

static void __maybe_unused probe_page_refs(int step, struct page *pg)
{
	pr_info("patprobe: OBS %d refcount=%d\n", step, page_ref_count(pg));
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	/* page_mapcount() is gone; a page that is not part of a large folio is its own folio. */
	pr_info("patprobe: OBS %d mapcount=%d\n", step, folio_mapcount(page_folio(pg)));
#else
	pr_info("patprobe: OBS %d mapcount=%d\n", step, page_mapcount(pg));
#endif
}

/* get_user_pages() of the insmod process's own mapping (gup_flags 0: read access). */
static long __maybe_unused probe_gup(unsigned long va, unsigned long nr, struct page **pages)
{
	long got;
	mmap_read_lock(current->mm);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	got = get_user_pages(va, nr, 0, pages);
#else
	got = get_user_pages(va, nr, 0, pages, NULL);
#endif
	mmap_read_unlock(current->mm);
	return got;
}

static struct ttm_buffer_object *probe_mmap_bo;
static int (*probe_mmap_hook)(struct vm_area_struct *vma);

static int probe_mmap(struct file *f, struct vm_area_struct *vma)
{
	/*
	 * A TTM BO's mapping: the driver's ->mmap is ttm_bo_mmap_obj() (probe_ttm_mmap). As
	 * drm_gem_mmap_obj() does for a GEM object whose funcs have no vm_ops (drm_gem_ttm_mmap), vm_ops
	 * is cleared first: vma_init() left dummy_vm_ops, and ttm_bo_mmap_obj() installs ttm_bo_vm_ops
	 * (fault, open, close) only where there are none.
	 */
	if (probe_mmap_bo && probe_mmap_hook) { vma->vm_ops = NULL; return probe_mmap_hook(vma); }
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, probe_vm_flags);
#else
	vma->vm_flags |= probe_vm_flags;
#endif
	/* The driver's ->mmap sets vm_page_prot's cache mode when the scenario names one (prot:). */
	if (probe_vm_cm >= 0)
		vma->vm_page_prot = __pgprot((pgprot_val(vma->vm_page_prot) & ~_PAGE_CACHE_MASK) | cachemode2protval(probe_vm_cm));
	return 0;
}

static int probe_step(int i);
static void probe_finish(void);
static const char *probe_call(long i);
static char probe_args[96];
static void probe_mremap_args(long i);
static void probe_mremapped(long i, unsigned long ret);

/* The arguments "ARGS n" asked for (an mremap step's). */
static ssize_t probe_read(struct file *f, char __user *ub, size_t n, loff_t *pos)
{
	size_t len = strlen(probe_args);
	if (n < len + 1) return -EINVAL;
	if (copy_to_user(ub, probe_args, len + 1)) return -EFAULT;
	return len + 1;
}

static void probe_print_file(const char *path, const char *tag, const char *only);
static int probe_begun;

/*
 * The state the steps start from: DirectMap, the split 2 MiB blocks, pat_memtype_list. With
 * the user program it is taken at the program's first write, after system_wq has run the
 * deferred free of this module's init sections (do_free_init): vfree resets their pages'
 * direct-map entries (VM_FLUSH_RESET_PERMS), which can split a 2 MiB leaf, and that is the
 * module loader's doing, not the scenario's.
 */
static void probe_begin_state(void)
{
	probe_begun = 1;
	probe_print_file("/proc/meminfo", "MEMINFO_BEGIN", "DirectMap");
	probe_print_4k_blocks();
	probe_print_file("/sys/kernel/debug/x86/pat_memtype_list", "LIST_BEGIN", NULL);
}

/*
 * What the user program writes (probe/patprobe-user.c): "RUN n" runs step n in the writer's context;
 * "BEGIN n"/"END n" are the markers of a step the program makes itself (fork, exit); "FORKED n pid"
 * its outcome; "PID p" the first process's pid; "FINAL" ends the run.
 */
static ssize_t probe_write(struct file *f, const char __user *ub, size_t n, loff_t *pos)
{
	char buf[64], verb[16]; long a = 0, b = 0; int got;
	if (n >= sizeof(buf)) return -EINVAL;
	if (copy_from_user(buf, ub, n)) return -EFAULT;
	buf[n] = 0;
	if (!probe_begun) {
		__flush_workqueue(system_wq);
		probe_begin_state();
	}
	got = sscanf(buf, "%15s %ld %ld", verb, &a, &b);
	if (got >= 2 && !strcmp(verb, "RUN")) return probe_step(a) ? -EIO : n;
	if (got >= 2 && !strcmp(verb, "BEGIN")) pr_info("patprobe: STEP %ld %s BEGIN\n", a, probe_call(a));
	else if (got >= 2 && !strcmp(verb, "END")) pr_info("patprobe: STEP %ld END\n", a);
	else if (got == 3 && !strcmp(verb, "FORKED")) {
		pr_info("patprobe: OBS %ld ret=%ld\n", a, b < 0 ? b : 0);
		if (b > 0) { pr_info("patprobe: OBS %ld pid=%ld\n", a, b); pr_info("patprobe: FORK %ld %ld\n", a, b); }
	} else if (got >= 2 && !strcmp(verb, "PID")) pr_info("patprobe: PID %ld\n", a);
	else if (got >= 2 && !strcmp(verb, "CTL")) pr_info("patprobe: CTL %ld\n", a);
	else if (got >= 2 && !strcmp(verb, "ARGS")) probe_mremap_args(a);
	else if (got == 3 && !strcmp(verb, "MREMAPPED")) {
		/* The new address is the real process's: the return value compared is 0 or the errno. */
		pr_info("patprobe: OBS %ld ret=%ld\n", a, IS_ERR_VALUE((unsigned long)b) ? b : 0);
		if (!IS_ERR_VALUE((unsigned long)b)) probe_mremapped(a, (unsigned long)b);
	}
	else if (got >= 1 && !strcmp(verb, "FINAL")) probe_finish();
	else return -EINVAL;
	return n;
}

static const struct file_operations probe_fops = { .owner = THIS_MODULE, .mmap = probe_mmap, .write = probe_write, .read = probe_read };
static struct miscdevice probe_dev = { .minor = MISC_DYNAMIC_MINOR, .name = "patprobe", .fops = &probe_fops };

static int probe_setup(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	if (register_kprobe(&kp) == 0) { p_kln = (void *)kp.addr; unregister_kprobe(&kp); }
	if (!p_kln) { pr_info("patprobe: ERROR no kallsyms_lookup_name\n"); return -1; }
	p_memtype_reserve = (void *)p_kln("memtype_reserve");
	p_memtype_free = (void *)p_kln("memtype_free");
	p_lookup_memtype = (void *)p_kln("lookup_memtype");
	if (misc_register(&probe_dev)) { pr_info("patprobe: ERROR misc_register\n"); return -1; }
	probe_file = filp_open("/dev/patprobe", O_RDWR, 0);
	if (IS_ERR(probe_file)) { pr_info("patprobe: ERROR open /dev/patprobe %ld\n", PTR_ERR(probe_file)); misc_deregister(&probe_dev); return -1; }
	return 0;
}

/*
 * Print a text file the kernel makes (debugfs, /proc) line by line with a tag. debugfs's
 * seq files have no read_iter, so kernel_read() refuses them: read through ->read into a
 * buffer in the insmod process's own memory, then copy it in.
 */
static void probe_print_file(const char *path, const char *tag, const char *only)
{
	struct file *f = filp_open(path, O_RDONLY, 0); char *buf; loff_t pos = 0; ssize_t n = 0, got; char *l, *e;
	const size_t cap = 1 << 20;
	if (IS_ERR(f)) { pr_info("patprobe: %s (absent)\n", tag); return; }
	buf = kvzalloc(cap, GFP_KERNEL);
	if (!buf) { filp_close(f, NULL); return; }
	if (f->f_op->read) {
		unsigned long ub = vm_mmap(NULL, 0, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
		if (!IS_ERR_VALUE(ub)) {
			while (n < cap - 1 && (got = f->f_op->read(f, (char __user *)ub + n, cap - 1 - n, &pos)) > 0) n += got;
			if (copy_from_user(buf, (char __user *)ub, n)) n = 0;
			vm_munmap(ub, cap);
		}
	} else n = kernel_read(f, buf, cap - 1, &pos);
	filp_close(f, NULL);
	for (l = buf; n > 0 && l < buf + n && *l; l = e + 1) {
		e = strchrnul(l, '\n');
		if (!only || !strncmp(l, only, strlen(only))) pr_info("patprobe: %s %.*s\n", tag, (int)(e - l), l);
		if (!*e) break;
	}
	kvfree(buf);
}

static void probe_final(void)
{
	probe_print_file("/sys/kernel/debug/x86/pat_memtype_list", "LIST", NULL);
	probe_print_file("/proc/meminfo", "MEMINFO", "DirectMap");
}

static void probe_teardown(void)
{
	filp_close(probe_file, NULL);
	misc_deregister(&probe_dev);
}
`;

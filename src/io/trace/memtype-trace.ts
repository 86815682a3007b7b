/**
 * memtype-trace v1 (../shared/golden/memtype/FORMAT.md): the header that
 * describes a machine and the operations that call the kernel's memtype
 * functions, replayed with output byte-identical to the kernel's.
 *
 * The replay is one pass: the machine boots at the first operation, each
 * operation appends its `log:` lines and result to an output buffer, and the
 * buffer is only handed out if the whole trace was well-formed, so malformed
 * input yields exactly one error and no partial output.
 */

import { CATTR_NAMES, cacheModeFromName, cattrName, MT, MTRR_SHORT_NAMES, mtrrShortName, mtrrTypeFromShortName, type CacheMode } from '../../hw/cache-mode.js';
import { errnoName } from '../../kernel/errno.js';
import { fixedCellIndex } from '../../hw/mtrr.js';
import type { MtrrState, VarMtrr } from '../../kernel/mtrr/cache-map.js';
import { bootMemtype, type BootedMemtype } from '../../kernel/pat/boot.js';
import { patMemtypeList } from '../../kernel/pat/memtype-list.js';
import { pfnmapSetupCachemodePfn, pfnmapTrack, pfnmapUntrack } from '../../kernel/pat/pfnmap.js';
import type { LogLevel, Printk } from '../../kernel/printk.js';
import type { RamResource } from '../../kernel/mm/system-ram.js';
import { NotModelledError } from '../../kernel/not-modelled.js';
import { kernelFlags, type KernelVersionName } from '../../kernel/version.js';
import { LineReader } from './lexer.js';
import { hex } from '../../hw/hex.js';

const PHYS_LIMIT = 2 ** 52;
const TWO46 = 2 ** 46;
const FOUR_GIB = 2 ** 32;
const PFN_LIMIT = 2 ** 40;

/** Usage of each keyword, quoted in "expected" messages. */
const USAGE: Record<string, string> = {
  pat: 'pat on|off',
  ram: 'ram <start> <end>',
  mtrr: 'mtrr default|fixed|fixed-at|var|tom2|disabled ...',
  'mtrr default': 'mtrr default <type>',
  'mtrr fixed': 'mtrr fixed <type>',
  'mtrr fixed-at': 'mtrr fixed-at <addr> <type>',
  'mtrr var': 'mtrr var <base> <size> <type>',
  'mtrr tom2': 'mtrr tom2 <addr>',
  'mtrr disabled': 'mtrr disabled',
  debugpat: 'debugpat on|off',
  reserve: 'reserve <start> <end> <mode>',
  'reserve-strict': 'reserve-strict <start> <end> <mode>',
  free: 'free <start> <end>',
  lookup: 'lookup <addr>',
  'insert-pfn': 'insert-pfn <pfn> <mode>',
  track: 'track <start> <end> <mode>',
  untrack: 'untrack <start> <end>',
  dump: 'dump',
  'mtrr-lookup': 'mtrr-lookup <start> <end>',
  'mtrr-map': 'mtrr-map',
  mark: 'mark <label>',
};
const HEADER_KEYWORDS = ['pat', 'ram', 'mtrr', 'debugpat'];
const OPERATIONS = ['reserve', 'reserve-strict', 'free', 'lookup', 'insert-pfn', 'track', 'untrack', 'dump', 'mtrr-lookup', 'mtrr-map', 'mark'];

const OPERATION_SET = new Set(OPERATIONS);

export interface ReplayOptions {
  /** The file name used in error messages. */
  file: string;
  /** Kernel version preset; the goldens are mainline. */
  kernel?: KernelVersionName;
  /** Called for each `mark` line (performance traces) with the label. */
  onMark?: (label: string) => void;
  /** A full-kernel trace's `machine FILE`: how to read it (the command line's file reader). */
  readFile?: (path: string, from: string) => { text: string; name: string };
}

interface Header {
  patOn: boolean;
  debugpat: boolean;
  ram: { res: RamResource; line: number }[];
  mtrrPresent: boolean;
  mtrrDisabled: boolean;
  defType: number;
  fixedEnabled: boolean;
  fixed: number[];
  variable: VarMtrr[];
  tom2: number;
  tom2Pos: { line: number; col: number } | null;
}

function num(v: number | bigint): number {
  return typeof v === 'bigint' ? Number(v) : v;
}

function big(v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** Output buffer: lines joined into chunks so a million-line replay stays cheap. */
class Output implements Printk {
  private chunks: string[] = [];
  private cur = '';
  line(s: string): void {
    this.cur += s + '\n';
    if (this.cur.length > 1 << 16) {
      this.chunks.push(this.cur);
      this.cur = '';
    }
  }
  emit(_level: LogLevel, text: string): void {
    this.line('log: ' + text);
  }
  text(): string {
    this.chunks.push(this.cur);
    this.cur = '';
    return this.chunks.join('');
  }
}

/** Replay a memtype-trace v1 text; returns the exact stdout. Throws InputError on malformed input. */
export function replayMemtypeTrace(text: string, opts: ReplayOptions): string {
  const file = opts.file;
  const flags = kernelFlags(opts.kernel ?? 'mainline');
  const out = new Output();
  const h: Header = {
    patOn: true,
    debugpat: false,
    ram: [],
    mtrrPresent: false,
    mtrrDisabled: false,
    defType: MT.UC,
    fixedEnabled: false,
    fixed: new Array<number>(88).fill(MT.UC),
    variable: [],
    tom2: 0,
    tom2Pos: null,
  };
  let k: BootedMemtype | null = null;

  const boot = (): BootedMemtype => {
    if (h.tom2 !== 0 && h.tom2 <= FOUR_GIB && !h.fixedEnabled && h.mtrrPresent && !h.mtrrDisabled) {
      const p = h.tom2Pos!;
      throw new NotModelledError(
        'a TOM2 at or below 4 GiB with no fixed ranges (the kernel marks an entry before its empty map as fixed): expected tom2 above 0x100000000 or fixed ranges enabled',
        { file, line: p.line, col: p.col },
      );
    }
    const mtrr: MtrrState | null = h.mtrrPresent
      ? {
          defType: h.defType,
          enabled: !h.mtrrDisabled,
          fixedEnabled: h.fixedEnabled,
          fixed: h.fixed,
          variable: h.variable,
          vcnt: Math.max(8, h.variable.length),
          tom2: h.tom2,
        }
      : null;
    const b = bootMemtype(
      // The trace's operations run as the replay task (FORMAT.md: messages name `replay:1`).
      { patEnabled: h.patOn, debugpat: h.debugpat, ram: h.ram.map((r) => r.res), mtrr, flags, ctx: { current: { comm: 'replay', pid: 1 } } },
      out,
    );
    return b;
  };

  const r = new LineReader(file, text);
  let lineNo = 0;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    lineNo++;
    r.reset(lineNo, pos, nl);
    pos = nl + 1;
    if (r.count === 0) continue;
    const kw = r.tok(0);
    const op = OPERATION_SET.has(kw);
    if (!op && !HEADER_KEYWORDS.includes(kw)) {
      r.fail(
        r.col(0),
        `unknown keyword '${kw}': expected a header keyword (${HEADER_KEYWORDS.join(', ')}) or an operation (${OPERATIONS.join(', ')})`,
      );
    }
    r.usage = USAGE[kw]!;
    if (!op) {
      if (k) r.fail(r.col(0), `header line '${kw}' after the first operation: expected header lines (${HEADER_KEYWORDS.join(', ')}) before any operation`);
      parseHeaderLine(h, r, kw);
      continue;
    }
    if (!k) k = boot();
    runOp(k, out, r, kw, opts);
  }
  return out.text();
}

function parseHeaderLine(h: Header, r: LineReader, kw: string): void {
  switch (kw) {
    case 'pat': {
      h.patOn = r.oneOf('pat setting', ['on', 'off'] as const) === 'on';
      r.end();
      return;
    }
    case 'debugpat': {
      h.debugpat = r.oneOf('debugpat setting', ['on', 'off'] as const) === 'on';
      r.end();
      return;
    }
    case 'ram': {
      const start = big(r.u64('<start>'));
      const sCol = r.lastCol;
      const end = big(r.u64('<end>'));
      const eCol = r.lastCol;
      r.end();
      const s = { col: sCol };
      const e = { col: eCol };
      if (start % 4096n !== 0n) r.fail(s.col, `ram start ${hex(start)} is not page aligned: expected a multiple of 0x1000`);
      if (end % 4096n !== 0n) r.fail(e.col, `ram end ${hex(end)} is not page aligned: expected a multiple of 0x1000`);
      if (start >= end) r.fail(e.col, `ram end ${hex(end)} is not above its start ${hex(start)}: expected start < end`);
      if (end > BigInt(PHYS_LIMIT)) r.fail(e.col, `ram end ${hex(end)} lies beyond the 52-bit physical address space: expected at most 0x10000000000000`);
      const res = { start: Number(start), endIncl: Number(end) - 1 };
      for (const o of h.ram) {
        if (res.start <= o.res.endIncl && o.res.start <= res.endIncl)
          r.fail(
            s.col,
            `ram [${hex(start)}, ${hex(end)}) overlaps ram [${hex(o.res.start)}, ${hex(o.res.endIncl + 1)}) of line ${o.line}: expected disjoint RAM ranges`,
          );
      }
      h.ram.push({ res, line: r.lineNo });
      return;
    }
    case 'mtrr': {
      const sub = r.oneOf('mtrr setting', ['default', 'fixed', 'fixed-at', 'var', 'tom2', 'disabled'] as const);
      r.usage = USAGE[`mtrr ${sub}`]!;
      const ur = r;
      h.mtrrPresent = true;
      const mtype = (): number => mtrrTypeFromShortName(ur.oneOf('MTRR type', MTRR_SHORT_NAMES))!;
      switch (sub) {
        case 'default':
          h.defType = mtype();
          break;
        case 'fixed': {
          const t = mtype();
          h.fixed.fill(t);
          h.fixedEnabled = true;
          break;
        }
        case 'fixed-at': {
          const a = ur.u64('<addr>');
          if (big(a) >= 0x100000n) ur.fail(ur.lastCol, `fixed-range address ${hex(big(a))} is not below 1 MiB: expected an address < 0x100000`);
          const t = mtype();
          h.fixed[fixedCellIndex(num(a))!] = t;
          h.fixedEnabled = true;
          break;
        }
        case 'var': {
          const base = big(ur.u64('<base>'));
          const b = { col: ur.lastCol };
          const size = big(ur.u64('<size>'));
          const sz = { col: ur.lastCol };
          const t = mtype();
          if (size < 4096n || (size & (size - 1n)) !== 0n)
            ur.fail(sz.col, `variable MTRR size ${hex(size)} is not a power of two >= 0x1000`);
          if (base % size !== 0n) ur.fail(b.col, `variable MTRR base ${hex(base)} is not aligned to its size ${hex(size)}`);
          if (base + size > BigInt(TWO46))
            ur.fail(b.col, `variable MTRR [${hex(base)}, ${hex(base + size)}) ends above 2^46: expected base+size <= 0x400000000000`);
          h.variable.push({ base: Number(base), size: Number(size), type: t });
          break;
        }
        case 'tom2': {
          const a = ur.u64('<addr>');
          // TOP_MEM2 keeps bits 23..47 only, as the kernel masks it.
          h.tom2 = Number(big(a) & 0xffffff800000n);
          h.tom2Pos = { line: r.lineNo, col: ur.lastCol };
          break;
        }
        case 'disabled':
          h.mtrrDisabled = true;
          break;
      }
      ur.end();
      return;
    }
  }
}

function modeArg(r: LineReader): CacheMode {
  return cacheModeFromName(r.oneOf('cache mode', CATTR_NAMES))!;
}

/** A `track`/`untrack` range: page aligned, start < end <= 2^52 (FORMAT §4 track, §6). */
function pageRange(r: LineReader): { start: number; end: number } {
  const start = big(r.u64('<start>'));
  const s = { col: r.lastCol };
  const end = big(r.u64('<end>'));
  const e = { col: r.lastCol };
  if (start % 4096n !== 0n) r.fail(s.col, `start ${hex(start)} is not page aligned: expected a multiple of 0x1000`);
  if (end % 4096n !== 0n) r.fail(e.col, `end ${hex(end)} is not page aligned: expected a multiple of 0x1000`);
  if (start >= end) r.fail(e.col, `empty range [${hex(start)}, ${hex(end)}): expected start < end`);
  if (end > BigInt(PHYS_LIMIT)) r.fail(e.col, `end ${hex(end)} lies above 2^52: expected end <= 0x10000000000000`);
  return { start: Number(start), end: Number(end) };
}

function runOp(k: BootedMemtype, out: Output, r: LineReader, kw: string, opts: ReplayOptions): void {
  const mt = k.memtype;
  switch (kw) {
    case 'reserve':
    case 'reserve-strict': {
      const s = r.u64('<start>');
      const e = r.u64('<end>');
      const req = modeArg(r);
      r.end();
      const wantNew = kw === 'reserve';
      const res = mt.memtypeReserve(s, e, req, wantNew);
      if (wantNew) {
        const nt = res.newType === undefined ? '-' : cattrName(res.newType);
        out.line(res.ret ? `err ${errnoName(res.ret)} ${nt}` : `ok ${nt}`);
      } else out.line(res.ret ? `err ${errnoName(res.ret)}` : 'ok');
      return;
    }
    case 'free': {
      const s = r.u64('<start>');
      const e = r.u64('<end>');
      r.end();
      const ret = mt.memtypeFree(s, e);
      out.line(ret ? `err ${errnoName(ret)}` : 'ok');
      return;
    }
    case 'lookup': {
      const a = r.u64('<addr>');
      r.end();
      const cm = typeof a === 'bigint' || a >= PHYS_LIMIT ? mt.lookupMemtypeU64(big(a)) : mt.lookupMemtype(a);
      out.line(cattrName(cm));
      return;
    }
    case 'insert-pfn': {
      const p = r.u64('<pfn>');
      const pCol = r.lastCol;
      const req = modeArg(r);
      r.end();
      if (big(p) >= BigInt(PFN_LIMIT)) r.fail(pCol, `pfn ${hex(p)} is not below 2^40: expected a pfn < 0x10000000000`);
      const prot = pfnmapSetupCachemodePfn(mt, k.tables, num(p), k.tables.cachemode2protval(req));
      out.line(cattrName(k.tables.pgprot2cachemode(prot)));
      return;
    }
    case 'track': {
      const { start, end } = pageRange(r);
      const req = modeArg(r);
      r.end();
      const res = pfnmapTrack(mt, k.tables, start / 4096, end - start, k.tables.cachemode2protval(req));
      out.line(res.ret ? `err ${errnoName(res.ret)}` : `ok ${cattrName(k.tables.pgprot2cachemode(res.prot))}`);
      return;
    }
    case 'untrack': {
      const { start, end } = pageRange(r);
      r.end();
      pfnmapUntrack(mt, start / 4096, end - start);
      out.line('ok');
      return;
    }
    case 'dump': {
      r.end();
      const lines = patMemtypeList(mt);
      if (lines === null) out.line('err ENOENT');
      else for (const l of lines) out.line('dump: ' + l);
      return;
    }
    case 'mtrr-lookup': {
      const s = big(r.u64('<start>'));
      const sCol = r.lastCol;
      const e = big(r.u64('<end>'));
      r.end();
      let res: { type: number; uniform: boolean };
      const limit = BigInt(PHYS_LIMIT);
      if (s <= limit && e <= limit) res = k.mtrrLookup.typeLookup(Number(s), Number(e));
      else if (mt.config.flags.mtrrLegacyLookup)
        throw new NotModelledError('mtrr-lookup above 2^52 with the pre-v6.5 lookup', { file: r.file, line: r.lineNo, col: sCol });
      else if (s >= e) res = k.mtrrLookup.typeLookup(1, 0);
      else {
        // Every map entry lies below 2^48, so clamping both ends above 2^52
        // (keeping start < end) changes no comparison the walk makes.
        const cs = s > limit ? PHYS_LIMIT : Number(s);
        res = k.mtrrLookup.typeLookup(cs, PHYS_LIMIT + 1);
      }
      out.line(`${mtrrShortName(res.type)} ${res.uniform ? 1 : 0}`);
      return;
    }
    case 'mtrr-map': {
      r.end();
      if (opts.kernel && opts.kernel !== 'mainline' && mt.config.flags.mtrrLegacyLookup)
        throw new NotModelledError(`mtrr-map under kernel ${opts.kernel}: kernels before v6.5 build no MTRR cache map`, {
          file: r.file,
          line: r.lineNo,
          col: r.col(0),
        });
      const entries = k.mtrr.map?.entries ?? [];
      out.line(`mtrr-map ${entries.length}`);
      for (const en of entries) out.line(`mtrr-map: 0x${en.start.toString(16)} 0x${en.end.toString(16)} ${mtrrShortName(en.type)} ${en.fixed ? 'fixed' : 'var'}`);
      return;
    }
    case 'mark': {
      const label = r.tok(r.next('<label>'));
      r.end();
      opts.onMark?.(label);
      return;
    }
  }
}

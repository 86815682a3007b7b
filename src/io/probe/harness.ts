/**
 * The qemu side of `patlab probe` (docs/probe.md §1): find a Debian kernel that
 * scripts/probe/install.sh unpacked, build the generated module with that
 * kernel's kbuild, pack a busybox initramfs, boot it under qemu-system-x86
 * (TCG), and split what the serial console printed into a capture bundle (the
 * format of ../shared/captures) and the module's observation lines.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, copyFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { MachineSpec } from '../../kernel/machine.js';
import { packagedFile } from '../data/files.js';

export const PROBE_KERNELS = ['6.1-amd64', '6.1-686-pae', '6.12-amd64'] as const;
export type ProbeKernel = (typeof PROBE_KERNELS)[number];

export interface KernelInstall {
  key: ProbeKernel;
  release: string;
  arch: 'x86-64' | 'x86-32-pae';
  vmlinuz: string;
  build: string;
  busybox: string;
}

export function probeCache(): string {
  return process.env['PATLAB_PROBE_CACHE'] ?? join(homedir(), '.cache', 'patlab-probe');
}

/** The installed kernel, or why it is not there (one line). */
export function findKernel(key: ProbeKernel): KernelInstall | { missing: string } {
  const dir = join(probeCache(), key);
  const relFile = join(dir, 'release');
  const hint = `run scripts/probe/install.sh (as root) to install it`;
  if (!existsSync(relFile)) return { missing: `kernel ${key} is not installed in ${probeCache()}: ${hint}` };
  const release = readFileSync(relFile, 'utf8').trim();
  const vmlinuz = join(dir, 'root', 'boot', `vmlinuz-${release}`);
  const build = join(dir, 'root', 'usr', 'src', `linux-headers-${release}`);
  const arch = key.endsWith('686-pae') ? 'x86-32-pae' : 'x86-64';
  const busybox = arch === 'x86-32-pae' ? join(probeCache(), 'busybox-i386', 'bin', 'busybox') : '/bin/busybox';
  const qemu = arch === 'x86-32-pae' ? 'qemu-system-i386' : 'qemu-system-x86_64';
  for (const [what, p] of [['kernel image', vmlinuz], ['headers', build], ['busybox', busybox]] as const)
    if (!existsSync(p)) return { missing: `kernel ${key}: ${what} ${p} is missing: ${hint}` };
  if (spawnSync('sh', ['-c', `command -v ${qemu}`]).status !== 0) return { missing: `${qemu} is not installed: ${hint}` };
  return { key, release, arch, vmlinuz, build, busybox };
}

/** How the machine description becomes a qemu command line, or why it cannot (docs/probe.md §1). */
export interface QemuShape {
  args: string[];
  append: string;
  /** Where the booted machine differs from the description, said to the user. */
  notes: string[];
}

const MiB = 1024 * 1024;

export function qemuShape(m: MachineSpec, k: KernelInstall): QemuShape | { refused: string } {
  const notes: string[] = [];
  if (m.arch !== k.arch)
    return { refused: `machine ${m.name} is ${m.arch}; kernel ${k.key} runs on ${k.arch}` };
  let ram = 0;
  for (const e of m.e820) if (e.type === 'usable') ram += e.end - e.start;
  let memMiB = Math.max(128, Math.ceil(ram / MiB / 64) * 64);
  if (k.arch === 'x86-32-pae' && memMiB > 3072) {
    notes.push(`machine ${m.name}: ${memMiB} MiB of RAM hangs qemu-system-i386 under TCG (../shared/qemu/README.md); booting 3072 MiB, and patlab predicts for the machine that booted (imported from its capture)`);
    memMiB = 3072;
  }
  // Guest RAM is host RAM under TCG: this is what a CI machine of 24 GiB can give one boot.
  if (memMiB > 16384) return { refused: `machine ${m.name} has ${memMiB} MiB of RAM; the probe boots at most 16384 MiB under qemu here` };
  const cpu: string[] = [];
  if (!m.cpu.pat && !m.boot.nopat) notes.push(`machine ${m.name}: a CPU without PAT is booted as -cpu max with nopat`);
  // -cpu max has LA57, and Debian's x86-64 kernels then use 5-level paging: PAGE_OFFSET and the
  // vmalloc base move (0xff11..., 0xffa0...), so a scenario's kernel addresses (the model's 4-level
  // layout, decisions P6) would name other memory. The probe boots 4-level, as patlab models.
  cpu.push('-cpu', k.arch === 'x86-32-pae' ? 'max' : m.cpu.gbpages ? 'max,-la57' : 'qemu64,+pat');
  // nokaslr: the model's layout (page_offset_base, vmalloc_base) is the unrandomized one (decisions P6).
  // no_hash_pointers: the kernel's %p prints the address, as patlab's messages do (decisions P6).
  const append = ['console=ttyS0', 'panic=-1', 'loglevel=7', 'nokaslr', 'no_hash_pointers'];
  if (m.boot.nopat || !m.cpu.pat) append.push('nopat');
  if (m.boot.debugpat) append.push('debugpat');
  if (m.boot.nogbpages) append.push('nogbpages');
  if (m.boot.mtrrDebug) append.push('mtrr.debug');
  if (m.boot.debugPagealloc) append.push('debug_pagealloc=on');
  const smp = Math.max(1, Math.min(4, m.cpu.nCpus));
  if (smp !== m.cpu.nCpus) notes.push(`machine ${m.name}: ${m.cpu.nCpus} CPUs booted as -smp ${smp}`);
  // ECAM windows (ACPI MCFG) are what QEMU's q35 has and its default pc (i440FX) has not.
  const chipset = (m.firmware?.mmconfig.length ?? 0) > 0 ? 'q35' : 'pc';
  return { args: ['-accel', 'tcg', '-machine', chipset, '-m', String(memMiB), ...cpu, '-smp', String(smp), '-nographic', '-no-reboot'], append: append.join(' '), notes };
}

/** One generated module of a boot: its name (the .ko's and the module's), its C source, whether it needs ttm.ko. */
export interface ProbeModule {
  name: string;
  c: string;
  ttm?: { pagePoolSize: number | null };
  /** The user program's plan (ModuleSource.plan): it runs the steps once the module is loaded. */
  plan?: string[];
}

/** gcc's flags for the user program (no libc: raw system calls, static), before `-m32` on 686-pae. */
export const USER_PROGRAM_CFLAGS: readonly string[] = ['-static', '-nostdlib', '-ffreestanding', '-fno-builtin', '-fno-stack-protector', '-fno-pic', '-no-pie', '-O1'];

/**
 * Build the user program (probe/patprobe-user.c) as a static binary for the kernel's
 * architecture with the host's gcc (`-m32` for 686-pae).
 */
export function buildUserProgram(dir: string, k: KernelInstall): { path: string } | { error: string } {
  mkdirSync(dir, { recursive: true });
  const src = join(dir, 'patprobe-user.c');
  writeFileSync(src, packagedFile('probe/patprobe-user.c'));
  const out = join(dir, 'patprobe-user');
  const r = spawnSync('gcc', [...(k.arch === 'x86-32-pae' ? ['-m32'] : []), ...USER_PROGRAM_CFLAGS, '-o', out, src], { encoding: 'utf8' });
  if (r.status !== 0) return { error: `building the user program failed: ${(r.stderr || r.error?.message || '').split('\n')[0]}` };
  return { path: out };
}

/**
 * Build the modules with the kernel's own kbuild, all in one `make` (one folder, `obj-m` lists
 * them; two jobs). When that fails, each is built alone so the error names its module.
 */
export function buildModules(dir: string, mods: readonly ProbeModule[], k: KernelInstall): { kos: string[] } | { error: string; module?: string } {
  mkdirSync(dir, { recursive: true });
  for (const m of mods) writeFileSync(join(dir, `${m.name}.c`), m.c);
  const make = (names: string[]): { error: string } | null => {
    writeFileSync(join(dir, 'Makefile'), `obj-m := ${names.map((n) => `${n}.o`).join(' ')}\n`);
    const r = spawnSync('make', ['-C', k.build, `M=${dir}`, '-j2', 'modules'], { encoding: 'utf8', maxBuffer: 64 * MiB });
    if (r.status === 0) return null;
    const err = (r.stdout + r.stderr).split('\n').filter((l) => /error|Error/.test(l)).slice(0, 3).join(' | ');
    return { error: `building the module against ${k.release} failed: ${err || 'make exited ' + r.status}` };
  };
  const all = make(mods.map((m) => m.name));
  if (all !== null) {
    if (mods.length === 1) return { ...all, module: mods[0]!.name };
    for (const m of mods) {
      const one = make([m.name]);
      if (one !== null) return { ...one, module: m.name };
    }
    return all;
  }
  return { kos: mods.map((m) => join(dir, `${m.name}.ko`)) };
}

/**
 * The end of every /init. \`poweroff -f\` does not wait for the console: what the serial driver
 * still holds is sent during the shutdown, after the kernel's own 'reboot: Power down', which
 * then lands inside the last file printed (a capture's dmesg.txt, a recording's
 * record-info.txt). Half a second drains it (a few KB at most: the writers block until it fits).
 */
const POWEROFF = 'sleep 0.5\npoweroff -f\n';

/** What the initramfs's /init reads right after boot (console quiet): the capture bundle's files. */
const CAPTURE_PART = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
dmesg -n 1
f() { echo "=== FILE $1"; cat "$2" 2>/dev/null; echo "=== ENDFILE"; }
echo "=== FILE uname.txt"; uname -a; echo "=== ENDFILE"
f cmdline.txt /proc/cmdline
echo "=== FILE cpuinfo.txt"; sed '/^$/q' /proc/cpuinfo; echo "=== ENDFILE"
[ -e /proc/mtrr ] && f proc-mtrr.txt /proc/mtrr
f proc-iomem.txt /proc/iomem
f proc-meminfo.txt /proc/meminfo
[ -e /sys/kernel/debug/x86/pat_memtype_list ] && f pat_memtype_list.txt /sys/kernel/debug/x86/pat_memtype_list
echo "=== FILE dmesg.txt"; dmesg; echo "=== ENDFILE"
`;

/**
 * The initramfs's /init: the capture files first, then each module in turn (drm.ko and ttm.ko
 * loaded once, before the first, when one needs them), each module's dmesg after it. A module
 * that does not load cleanly (a step's BUG or oops, an init that fails) ends the boot's run:
 * what comes after it would start from a kernel in an unknown state (docs/probe.md §1).
 */
export function probeInitScript(mods: readonly { name: string; ttm?: { pagePoolSize: number | null }; plan?: string[] }[], record = false): string {
  const ttm = mods.some((m) => m.ttm);
  const runs = mods.map((m) => `run ${m.name}${m.ttm ? ` ${m.ttm.pagePoolSize ?? 0}` : ''}`);
  const body = runsScript(runs);
  if (!record) return `${CAPTURE_PART}${ttm ? 'for m in drm ttm; do insmod /$m.ko; done\n' : ''}${body}echo "=== END"
${POWEROFF}`;
  // patlab probe --record: the modules run under the recorder (docs/record.md §4), which then
  // hands its files to the console; the boot's capture above is the bundle's boot part.
  return `${CAPTURE_PART}${ttm ? 'for m in drm ttm; do insmod /$m.ko; done\n' : ''}cat > /runs.sh <<'PATLAB_RUNS'
${body}PATLAB_RUNS
sh /patlab-record.sh -o /rec -- sh /runs.sh
for x in /rec/*; do echo "=== FILE rec/\${x#/rec/}"; cat "$x"; echo "=== ENDFILE"; done
echo "=== END"
${POWEROFF}`;
}

/** The part of /init that loads each module in turn (see probeInitScript). */
function runsScript(runs: string[]): string {
  return `# Wait for process $1 to end. A BUG or oops in a step kills it, often with mmap_lock held, so its
# exit never ends: once the splat is printed (1 s after its first line), or after 30 s, go on.
# h: its exit code, or "hung".
waitp() {
  n=0; f=0
  while [ $n -lt 60 ] && [ -d /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; do
    if [ $f -eq 0 ]; then dmesg | grep -q -e 'kernel BUG at' -e 'Oops: ' -e 'BUG: unable to handle' -e 'BUG: kernel NULL pointer' -e 'general protection fault' && f=1
    else f=$((f+1)); [ $f -gt 2 ] && break; fi
    sleep 0.5; n=$((n+1))
  done
  if [ -d /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; then h=hung; else wait $1; h=$?; fi
}
run() {
  # ttm's page_pool_size is read when the first device comes (ttm_global_init); 0 is its default.
  [ -n "$2" ] && echo "$2" > /sys/module/ttm/parameters/page_pool_size
  dmesg -c > /dev/null
  echo "=== INSMOD $1"
  insmod /$1.ko & waitp $!
  # A scenario with processes: the user program runs its steps (probe/patprobe-user.c).
  if [ "$h" = 0 ] && [ -e /$1.plan ]; then /patprobe-user $(cat /$1.plan) & waitp $!; fi
  if [ "$h" = hung ]; then echo "=== INSMOD $1 hung"; else echo "=== INSMOD $1 rc=$h"; fi
  echo "=== FILE probe-dmesg-$1.txt"; dmesg; echo "=== ENDFILE"
  [ "$h" = 0 ] || return 1
  rmmod $1
  return 0
}
${runs.length > 0 ? runs.join(' && \\\n') + '\n' : ''}`;
}

/** The /init of a boot capture (\`probe --capture\`): the files, nothing loaded. */
export const CAPTURE_INIT_SCRIPT = `${CAPTURE_PART}echo "=== END"
${POWEROFF}`;

/** The kernel's own drm.ko and ttm.ko (decompressed: busybox insmod reads plain ELF), or why not. */
function ttmModules(k: KernelInstall): { name: string; path: string }[] | { error: string } {
  const base = join(probeCache(), k.key, 'root', 'lib', 'modules', k.release, 'kernel', 'drivers', 'gpu', 'drm');
  const out: { name: string; path: string }[] = [];
  for (const [name, rel] of [['drm', 'drm.ko'], ['ttm', join('ttm', 'ttm.ko')]] as const) {
    const p = join(base, rel);
    if (existsSync(p)) out.push({ name, path: p });
    else if (existsSync(p + '.xz')) out.push({ name, path: p + '.xz' });
    else return { error: `${k.release} has no ${rel} in ${base}: run scripts/probe/install.sh again` };
  }
  return out;
}

/** Pack busybox, /init and the modules (none for a boot capture) into a gzip'd newc cpio; with a module that needs TTM, drm.ko and ttm.ko too. */
export function buildInitramfs(dir: string, mods: readonly { name: string; ko: string; ttm?: { pagePoolSize: number | null }; plan?: string[] }[] | null, k: KernelInstall, recorder?: string): string | { error: string } {
  const root = join(dir, 'initramfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const d of ['proc', 'sys', 'dev']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(k.busybox, join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  writeFileSync(join(root, 'init'), mods === null ? CAPTURE_INIT_SCRIPT : probeInitScript(mods, recorder !== undefined));
  chmodSync(join(root, 'init'), 0o755);
  if (recorder !== undefined) writeFileSync(join(root, 'patlab-record.sh'), recorder);
  for (const m of mods ?? []) {
    copyFileSync(m.ko, join(root, `${m.name}.ko`));
    if (m.plan) writeFileSync(join(root, `${m.name}.plan`), m.plan.join(' ') + '\n');
  }
  if (mods?.some((m) => m.plan)) {
    const u = buildUserProgram(join(dir, 'user'), k);
    if ('error' in u) return u;
    copyFileSync(u.path, join(root, 'patprobe-user'));
    chmodSync(join(root, 'patprobe-user'), 0o755);
  }
  if (mods?.some((m) => m.ttm)) {
    const tm = ttmModules(k);
    if ('error' in tm) return tm;
    for (const m of tm) {
      const dst = join(root, `${m.name}.ko`);
      if (m.path.endsWith('.xz')) {
        const r = spawnSync('xz', ['-dc', m.path], { maxBuffer: 256 * MiB });
        if (r.status !== 0) return { error: `xz -d ${m.path} failed` };
        writeFileSync(dst, r.stdout);
      } else copyFileSync(m.path, dst);
    }
  }
  const out = join(dir, 'initrd.cpio.gz');
  const r = spawnSync('sh', ['-c', `cd '${root}' && find . | cpio -o -H newc --quiet | gzip -1 > '${out}'`], { encoding: 'utf8' });
  if (r.status !== 0) return { error: `packing the initramfs failed: ${r.stderr.trim()}` };
  return out;
}

/**
 * Boot and return the serial console's text (\r removed). A guest that died before the end of
 * `/init` says so in `died`: the console line that names what stopped it.
 */
export function boot(k: KernelInstall, shape: QemuShape, initrd: string, timeoutS = 300): { text: string; cmd: string } | { error: string; text?: string; died?: string } {
  const qemu = k.arch === 'x86-32-pae' ? 'qemu-system-i386' : 'qemu-system-x86_64';
  const args = [...shape.args, '-kernel', k.vmlinuz, '-initrd', initrd, '-append', shape.append];
  const r = spawnSync(qemu, args, { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 256 * MiB });
  const text = (r.stdout ?? '').replace(/\r/g, '');
  const cmd = [qemu, ...args.map((a) => (/\s/.test(a) ? `"${a}"` : a))].join(' ');
  if (r.error && !text.includes('=== END')) return { error: `${qemu} did not finish: ${r.error.message}`, text };
  if (!text.includes('=== END')) {
    const lines = (text.trim() || (r.stderr ?? '').trim()).split('\n');
    // A panic ends with "Kernel Offset: ..." and "---[ end Kernel panic ...": name what panicked.
    const why = lines.find((l) => /Kernel panic - not syncing|BUG: |Oops: /.test(l)) ?? lines.slice(-1)[0] ?? '';
    const died = why.replace(/^\[[^\]]*\] /, '').slice(0, 200);
    return { error: `the kernel did not reach the end of the probe (${died})`, text, died };
  }
  return { text, cmd };
}

/**
 * `boot`, and once more when the guest died before the end of `/init`: that is the guest's, not
 * the scenario's (a step's BUG or oops hangs insmod and `/init` goes on), and TCG guests rarely
 * oops in text patching (docs/probe-differences.md). `first` is the first boot when it was retried;
 * `once` is the single boot (a test's stand-in).
 */
export function bootOnceMore(k: KernelInstall, shape: QemuShape, initrd: string, timeoutS = 300, once: typeof boot = boot): { b: ReturnType<typeof boot>; first?: { died: string; text?: string } } {
  const b = once(k, shape, initrd, timeoutS);
  if (!('error' in b) || b.died === undefined) return { b };
  return { b: once(k, shape, initrd, timeoutS), first: { died: b.died, ...(b.text !== undefined ? { text: b.text } : {}) } };
}

/** The note a retried boot prints: what stopped the first one. */
export function bootAgainNote(first: { died: string }): string {
  return `note: the first boot did not finish (${first.died}); booted again`;
}

/** How one module's insmod ended: its exit code, or null when it hung (a fatal outcome held a lock). */
export interface InsmodEnd {
  rc: number | null;
}

/** Split the console text into capture files and each module's insmod end (modules not reached are absent). */
export function splitConsole(text: string): { files: Map<string, string>; insmod: Map<string, InsmodEnd> } {
  const files = new Map<string, string>();
  const insmod = new Map<string, InsmodEnd>();
  const lines = text.split('\n');
  let cur: string | null = null;
  let buf: string[] = [];
  for (const l of lines) {
    const m = /^=== FILE (\S+)$/.exec(l);
    if (m) { cur = m[1]!; buf = []; continue; }
    if (l === '=== ENDFILE' && cur !== null) { files.set(cur, buf.join('\n') + '\n'); cur = null; continue; }
    const rc = /^=== INSMOD (\S+) (?:rc=(\d+)|hung)$/.exec(l);
    if (rc) insmod.set(rc[1]!, { rc: rc[2] === undefined ? null : Number(rc[2]) });
    if (cur !== null) buf.push(l);
  }
  return { files, insmod };
}

/** Write a capture bundle folder (../shared/captures format) from the split console. */
export function writeBundle(dir: string, files: Map<string, string>, qemuCmd: string, notes = 'the files were read by the initramfs right after boot, before the probe module was loaded.'): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of files) if (!name.startsWith('probe-dmesg') && !name.startsWith('rec/')) writeFileSync(join(dir, name), body);
  const ver = spawnSync('sh', ['-c', 'qemu-system-x86_64 --version | head -1'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(join(dir, 'qemu.txt'), `${qemuCmd}\n# ${ver}; accelerator TCG (no KVM)\n`);
  writeFileSync(join(dir, 'NOTES.txt'), `Written by patlab probe: ${notes}\n`);
}

/**
 * The bundle of a recorded probe boot: the boot's capture (read before the recorder started, so
 * dmesg still holds the boot) with the recorder's files over it (calls.log, record-info.txt, the
 * memtype list before and after the recording).
 */
export function writeRecordBundle(dir: string, files: Map<string, string>, qemuCmd: string, modules: readonly string[]): void {
  const boot = new Map([...files].filter(([n]) => !n.startsWith('rec/') && !n.startsWith('probe-dmesg')));
  // Which scenarios this boot's calls.log holds: a scenario run again in a boot of its own is recorded twice.
  const loaded = modules.map((m) => `\nmodule ${m}`).join('');
  writeBundle(dir, boot, qemuCmd, `patlab probe --record: the boot part was read by the initramfs right after boot; calls.log, record-info.txt and pat_memtype_list{.before,}.txt are the recorder's, around the probe modules.${loaded}`);
  const rec = new Map([...files].filter(([n]) => n.startsWith('rec/')).map(([n, b]) => [n.slice(4), b] as [string, string]));
  for (const keep of ['calls.log', 'record-info.txt', 'pat_memtype_list.txt', 'pat_memtype_list.before.txt']) if (rec.has(keep)) writeFileSync(join(dir, keep), rec.get(keep)!);
  // What the modules printed while recorded: the kernel's messages the replay is compared with.
  writeFileSync(join(dir, 'record-dmesg.txt'), [...files].filter(([n]) => n.startsWith('probe-dmesg')).map(([, b]) => b).join(''));
}


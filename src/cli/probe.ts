/**
 * `patlab probe SCENARIO... [--kernel K] [--emit DIR] [--keep DIR]`: run a
 * scenario's calls in a real Debian kernel under qemu and compare, observation
 * by observation, with what patlab predicts on the machine imported from the
 * same boot (docs/probe.md). Scenarios that boot the same kernel on the same
 * qemu command line share a boot (`--batch N` of them at most), each its own
 * module loaded in turn; one whose shared run differs is run again alone.
 * `--emit DIR` writes the module, Makefile and init script without booting. Exit 0 when every observation agrees, 1 when one
 * differs, 2 for bad input or a machine qemu cannot be made to match, 3 when
 * the kernel tools are not installed.
 */

import type { Command } from 'commander';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../run/input-error.js';
import { loadScenarioFile } from '../io/scenario/load.js';
import { runScenario } from '../run/execute.js';
import type { ScenarioStep } from '../run/scenario.js';
import { KERNEL_DRIVER } from '../run/driver.js';
import type { KernelContext } from '../kernel/context.js';
import type { DirectMap } from '../kernel/mm/direct-map.js';
import { replayLateBootSplits, replayPageCacheBits, replayMemtypeEntries } from '../kernel/setup/late-boot-splits.js';
import { moduleSource, type ModuleSource } from '../io/probe/module-c.js';
import { recorderScript } from '../io/record/script.js';
import { PROBE_KERNELS, type ProbeKernel, type KernelInstall, type QemuShape, type ProbeModule, findKernel, qemuShape, buildModules, buildInitramfs, bootOnceMore, bootAgainNote, splitConsole, writeBundle, writeRecordBundle, probeInitScript, USER_PROGRAM_CFLAGS } from '../io/probe/harness.js';
import { parseProbeDmesg, observations, observationsToText, leftoverEntries } from '../io/probe/observe.js';
import { planBoots } from '../io/probe/batch.js';
import type { Scenario } from '../run/scenario.js';
import { importBundle } from '../io/capture/import.js';
import { formatIssues } from '../io/capture/lines.js';
import { readInput } from './read-input.js';
import { readBeside } from '../io/read-file.js';
import { writeStdout } from './write-stdout.js';
import { DEFAULT_SWEEP, probeCapture } from './probe-capture.js';
import { packagedFile } from '../io/data/files.js';

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('run a scenario in a real Debian kernel under qemu and compare each observation with patlab')
    .argument('[scenario...]', 'scenario YAML files')
    .option('--kernel <kernel>', `one of ${PROBE_KERNELS.join(', ')} (default: by the machine's arch)`)
    .option('--emit <dir>', 'write the module source, Makefile and init script here, and do not boot')
    .option('--keep <dir>', 'keep the build folder, console log and capture bundle here (one folder per boot when there are several)')
    .option('--batch <n>', 'at most this many scenarios share one boot (1: each its own boot)', '20')
    .option('--capture <shape|machine>', `boot a shape of ${DEFAULT_SWEEP}, a machine preset or a machine file with nothing loaded, write its capture bundle to -o DIR and check it`)
    .option('--sweep [file]', `boot every shape of the sweep file (default ${DEFAULT_SWEEP}), one bundle per shape under -o DIR, each checked`)
    .option('-o, --out <dir>', 'where --capture/--sweep write bundles')
    .option('--record <dir>', "run the modules under patlab record's recorder and write its bundle here (one folder per boot when there are several; docs/record.md §4)")
    .action(async (paths: string[], o: { kernel?: string; emit?: string; keep?: string; batch: string; capture?: string; sweep?: string | boolean; out?: string; record?: string }) => {
      if (o.kernel !== undefined && !(PROBE_KERNELS as readonly string[]).includes(o.kernel))
        throw new InputError('<command line>', 1, 1, `unknown --kernel '${o.kernel}': expected one of ${PROBE_KERNELS.join(', ')}`);
      const batch = /^[1-9][0-9]{0,3}$/.test(o.batch) ? Number(o.batch) : NaN;
      if (Number.isNaN(batch)) throw new InputError('<command line>', 1, 1, `--batch '${o.batch}': expected a whole number from 1 to 9999`);
      if (o.capture !== undefined || o.sweep !== undefined) {
        if (paths.length > 0) throw new InputError('<command line>', 1, 1, `--capture and --sweep boot machines, not scenarios: drop ${paths[0]}`);
        if (o.capture !== undefined && o.sweep !== undefined) throw new InputError('<command line>', 1, 1, '--capture and --sweep: give one');
        process.exitCode = await probeCapture(o);
        return;
      }
      if (paths.length === 0) throw new InputError('<command line>', 1, 1, 'expected a scenario file, --capture SHAPE|MACHINE or --sweep');
      const items: Item[] = paths.map((path) => {
        const { text, name } = readInput(path);
        const sc = loadScenarioFile(text, name, readBeside);
        const key = (o.kernel ?? (sc.machine.arch === 'x86-64' ? '6.1-amd64' : '6.1-686-pae')) as ProbeKernel;
        const mod = moduleSource(sc);
        let head = `probe ${sc.name} on ${key}\n`;
        if (mod.unsupported) head += `  probe: not supported: ${mod.unsupported.reason}; steps from ${mod.unsupported.step} on are not run\n`;
        return { sc, key, mod, head, out: null, worst: 0 };
      });
      if (o.emit !== undefined) {
        for (const it of items) {
          const dir = paths.length > 1 ? join(o.emit, it.sc.name) : o.emit;
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'patprobe.c'), it.mod.c);
          writeFileSync(join(dir, 'Makefile'), 'obj-m := patprobe.o\n');
          writeFileSync(join(dir, 'init'), probeInitScript([{ name: 'patprobe', ...(it.mod.ttm ? { ttm: it.mod.ttm } : {}), ...(it.mod.plan ? { plan: it.mod.plan } : {}) }]));
          let wrote = `  wrote ${dir}/patprobe.c, Makefile, init (build: make -C /lib/modules/$(uname -r)/build M=$PWD modules)\n`;
          if (it.mod.plan) {
            writeFileSync(join(dir, 'patprobe-user.c'), packagedFile('probe/patprobe-user.c'));
            writeFileSync(join(dir, 'patprobe.plan'), it.mod.plan.join(' ') + '\n');
            wrote += `  wrote ${dir}/patprobe-user.c, patprobe.plan (the scenario's processes: gcc ${USER_PROGRAM_CFLAGS.join(' ')} -o patprobe-user patprobe-user.c; after insmod, run ./patprobe-user $(cat patprobe.plan))\n`;
          }
          await writeStdout(it.head + wrote);
        }
        return;
      }
      const kernels = new Map<ProbeKernel, KernelInstall>();
      for (const it of items) {
        if (kernels.has(it.key)) continue;
        const k = findKernel(it.key);
        if ('missing' in k) {
          process.stderr.write(`patlab: probe: ${k.missing}\n`);
          process.exitCode = 3;
          return;
        }
        kernels.set(it.key, k);
      }
      const bootable: number[] = [];
      items.forEach((it, i) => {
        const shape = qemuShape(it.sc.machine, kernels.get(it.key)!);
        if ('refused' in shape) {
          it.out = it.head + `  probe refused: ${shape.refused}\n`;
          it.worst = 2;
          return;
        }
        it.shape = shape;
        for (const n of shape.notes) it.head += `  note: ${n}\n`;
        bootable.push(i);
      });
      let printed = 0;
      const flush = async (): Promise<void> => {
        while (printed < items.length && items[printed]!.out !== null) await writeStdout(items[printed++]!.out!);
      };
      await flush();
      const group = (it: Item): string => `${it.key} ${it.shape!.args.join(' ')} -append ${it.shape!.append}`;
      const queue = planBoots(bootable.map((i) => ({ index: i, group: group(items[i]!), fatal: predictsFatal(items[i]!.sc, items[i]!.mod) })), batch);
      let boots = 0;
      while (queue.length > 0) {
        const ids = queue.shift()!;
        const first = items[ids[0]!]!;
        const keep = o.keep === undefined ? undefined : items.length === 1 ? o.keep : join(o.keep, `boot-${boots + 1}`);
        boots++;
        const record = o.record === undefined ? undefined : items.length === 1 ? o.record : join(o.record, `boot-${boots}`);
        const res = runBoot(ids.map((i) => items[i]!), kernels.get(first.key)!, first.shape!, keep, record);
        const unreached: number[] = [];
        ids.forEach((i, j) => {
          const it = items[i]!;
          let r = res[j]!;
          // The first module is always loaded: not reaching it is the boot's failure, not a module's.
          if (r === 'unreached' && res[0] === 'unreached') r = { text: '  probe failed: /init did not reach the module\n', worst: 1, differing: '' };
          if (r === 'unreached') return void unreached.push(i);
          // A shared boot's difference may be an earlier module's leftover: the scenario's own boot decides.
          if (ids.length > 1 && r.worst > 0) {
            it.retry = r.differing;
            queue.unshift([i]);
            return;
          }
          it.out = it.head + (it.retry !== undefined ? `  note: run again in a boot of its own: ${it.retry}\n` : '') + r.text;
          it.worst = r.worst;
        });
        // A module that did not load cleanly ended its boot: the ones after it boot again.
        if (unreached.length > 0) queue.unshift(unreached);
        await flush();
      }
      await flush();
      const worst = Math.max(0, ...items.map((it) => it.worst));
      if (worst > 0) process.exitCode = worst;
    });
}

interface Item {
  sc: Scenario;
  key: ProbeKernel;
  mod: ModuleSource;
  /** The output's first lines (name, not supported, qemu notes). */
  head: string;
  shape?: QemuShape;
  /** The finished output; null until then. */
  out: string | null;
  worst: number;
  /** Why it was run again alone (what differed in the shared boot). */
  retry?: string;
}

/** Whether patlab predicts a fatal outcome for the steps the module runs (such a scenario is the last of its boot). */
function predictsFatal(sc: Scenario, mod: ModuleSource): boolean {
  try {
    const r = runScenario({ ...sc, steps: sc.steps.filter((s) => mod.steps.includes(s.index)), expect: undefined } as typeof sc, KERNEL_DRIVER, { defaultComm: 'insmod', stopOnUnboundHandle: true });
    return r.fatal !== undefined;
  } catch {
    // A prediction that cannot be made here is made again after the boot, where it is said.
    return true;
  }
}

type BootResult = { text: string; worst: number; differing: string } | 'unreached';

/**
 * One boot: build every item's module, load them in turn, compare each with patlab's
 * prediction on the machine the boot's capture describes. An item after a module that did
 * not load cleanly is `unreached`.
 */
function runBoot(its: Item[], k: KernelInstall, shape: QemuShape, keep: string | undefined, record?: string): BootResult[] {
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'patlab-probe-'));
  const fail = (why: string): BootResult => ({ text: `  probe failed: ${why}\n`, worst: 1, differing: why });
  try {
    const mods: ProbeModule[] = its.map((it, j) => ({ name: its.length === 1 ? 'patprobe' : `patprobe_${j + 1}`, c: it.mod.c, ...(it.mod.ttm ? { ttm: it.mod.ttm } : {}), ...(it.mod.plan ? { plan: it.mod.plan } : {}) }));
    const built = buildModules(join(dir, 'module'), mods, k);
    if ('error' in built) {
      // The module that does not build fails alone; the others boot without it.
      const bad = mods.findIndex((m) => m.name === built.module);
      if (bad < 0 || its.length === 1) return its.map(() => fail(built.error));
      const rest = runBoot(its.filter((_, j) => j !== bad), k, shape, keep === undefined ? undefined : join(keep, 'without-' + mods[bad]!.name), record);
      return its.map((_, j) => (j === bad ? fail(built.error) : rest[j < bad ? j : j - 1]!));
    }
    const initrd = buildInitramfs(dir, mods.map((m, j) => ({ ...m, ko: built.kos[j]! })), k, record === undefined ? undefined : recorderScript());
    if (typeof initrd !== 'string') return its.map(() => fail(initrd.error));
    const timeout = 300 + 60 * (its.length - 1);
    const { b, first } = bootOnceMore(k, shape, initrd, timeout);
    let again = '';
    if (first) {
      again = `  ${bootAgainNote(first)}\n`;
      if (first.text) writeFileSync(join(dir, 'console-first-boot.txt'), first.text);
    }
    if ('error' in b) {
      if (b.text) writeFileSync(join(dir, 'console.txt'), b.text);
      const err = b.error;
      return its.map(() => fail(err));
    }
    writeFileSync(join(dir, 'console.txt'), b.text);
    const { files, insmod } = splitConsole(b.text);
    const bundleDir = join(dir, 'capture');
    writeBundle(bundleDir, files, b.cmd);
    if (record !== undefined) {
      const ends = mods.map((m, j) => {
        const e = insmod.get(m.name);
        return `${m.name}: scenario ${its[j]!.sc.name}, ${e === undefined ? 'not loaded' : e.rc === null ? 'insmod hung' : `insmod rc=${e.rc}`}`;
      });
      writeRecordBundle(record, files, b.cmd, ends);
    }
    const imp = importBundle(bundleDir);
    if (imp.issues.length > 0) return its.map(() => fail(`the boot's capture does not import: ${formatIssues(imp.issues).split('\n')[0]}`));
    const cmd = b.cmd;
    // WARN_ONCE sites that fired in the boot so far (in earlier modules' predictions): a kernel warns once per boot, not per module.
    const warnedOnce = new Set<string>();
    return its.map((it, j): BootResult => {
      const name = mods[j]!.name;
      const end = insmod.get(name);
      if (end === undefined) return 'unreached';
      let out = again;
      if (its.length > 1) out += `  note: one boot of ${its.length} scenarios; this module was loaded ${ordinal(j + 1)}\n`;
      try {
        out += compareOne(it.sc, it.mod, imp.machine, files.get(`probe-dmesg-${name}.txt`) ?? '', end.rc, cmd, k, warnedOnce);
      } catch (e) {
        if (!(e instanceof Error)) throw e;
        // One scenario's prediction that cannot be made (on the booted machine, with the real pages) is
        // that scenario's failure, said with patlab's reason; the boot's other scenarios still compare.
        const why = e instanceof InputError ? `patlab cannot predict it on the booted machine: ${e.message}` : e.message;
        return { text: out + `  probe failed: ${why}\n`, worst: 1, differing: why };
      }
      const differs = out.split('\n').filter((l) => l.startsWith('  differs')).map((l) => l.replace(/^ {2}differs {2}/, '').replace(/: real .*$/, ''));
      const named = differs.slice(0, 3).join('; ') + (differs.length > 3 ? `; ${differs.length - 3} more` : '');
      return { text: out, worst: differs.length > 0 ? 1 : 0, differing: `in a boot shared with ${its.length - 1} other scenario${its.length === 2 ? '' : 's'}, ${differs.length} observation${differs.length === 1 ? '' : 's'} differed (${named})` };
    });
  } finally {
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

/** One module's observations against patlab's prediction for the machine the boot's capture describes. */
function compareOne(sc: Scenario, mod: ModuleSource, machine: Scenario['machine'], dmesg: string, insmodRc: number | null, cmd: string, k: KernelInstall, warnedOnce: Set<string>): string {
  let out = '';
  // qemu's firmware decides the MTRRs and e820: say where they are not the scenario's (patlab predicts for the booted machine).
  const mtrrOf = (m: typeof sc.machine): string => JSON.stringify(m.mtrr === null ? null : { def: m.mtrr.enabled ? m.mtrr.defType : null, v: m.mtrr.variable });
  if (mtrrOf(sc.machine) !== mtrrOf(machine)) out += `  note: the booted machine's MTRRs (set by qemu's firmware) are not machine ${sc.machine.name}'s; patlab predicts for the booted machine\n`;
  const real = parseProbeDmesg(dmesg);
  if (real.errors.length > 0 || real.pid === null) throw new Error(`the module did not run: ${real.errors.join('; ') || (insmodRc === null ? 'insmod hung' : `insmod exited ${insmodRc}`)}`);
  // A step's BUG or oops ends insmod (and may leave it hung on a lock): the steps before it still compare.
  if (insmodRc !== 0) out += `  note: insmod ${insmodRc === null ? 'hung (a fatal outcome held a lock); dmesg read once its splat was printed' : `exited ${insmodRc}`}\n`;
  // The prediction starts from the direct map the module found (the boot's and earlier modules' splits
  // replayed) and the memtype entries earlier modules of the boot left (docs/probe.md §1).
  const directMapOf = (kk: KernelContext): DirectMap => (kk as unknown as { directMap: DirectMap }).directMap;
  const splits = (kk: KernelContext): void => void replayLateBootSplits(directMapOf(kk), real.split4k, real.split1g, real.splitHigh4k);
  const booted = runScenario({ ...sc, machine, steps: [], expect: undefined } as typeof sc, KERNEL_DRIVER, { onStep: (kk, step) => step === 0 && splits(kk) });
  const left = leftoverEntries(real.patMemtypeListBegin, booted.final.patMemtypeList);
  if (left.length > 0) out += `  note: ${left.length} memtype entr${left.length === 1 ? 'y' : 'ies'} an earlier module of this boot left ${left.length === 1 ? 'is' : 'are'} replayed into the prediction's tree\n`;
  const once = [...warnedOnce];
  if (once.length > 0) out += `  note: ${once.length} WARN_ONCE site${once.length === 1 ? '' : 's'} an earlier module of this boot fired ${once.length === 1 ? 'is' : 'are'} replayed (${once.join(', ')}): the kernel warns once per boot\n`;
  const bootShape = (kk: KernelContext, step: number): void => {
    if (step !== 0) return;
    splits(kk);
    replayMemtypeEntries(kk.memtype, left);
    for (const site of once) kk.warnedOnce.add(site);
  };
  const predicted = runScenario({ ...sc, machine, steps: replayableSteps(sc.steps, mod.steps, real.allocs, real.ttPages, mod.plan ? { ...real, plan: mod.plan } : undefined), expect: undefined } as typeof sc, KERNEL_DRIVER, {
    // The steps run in insmod, or in the user program's processes (their comm is its name).
    defaultComm: mod.plan ? 'patprobe-user' : 'insmod',
    stopOnUnboundHandle: true,
    onStep: (kk, step) => {
      bootShape(kk, step);
      // Pages an earlier module freed with non-WB direct-map bits come back so (docs/probe.md).
      for (const [pfn, bits] of real.allocBits.get(step) ?? []) replayPageCacheBits(directMapOf(kk), pfn, bits);
    },
    ...(real.pid !== null ? { defaultPid: real.pid } : {}),
  });
  for (const site of predicted.kernel.warnedOnce) warnedOnce.add(site);
  out += `  booted ${k.release}: ${cmd.split(' -kernel ')[0]}\n`;
  // The boot the steps start from: `booted` itself unless entries were replayed into it.
  const atBoot = left.length === 0 ? booted : runScenario({ ...sc, machine, steps: [], expect: undefined } as typeof sc, KERNEL_DRIVER, { onStep: bootShape });
  const obs = observations(real, predicted, mod.steps, atBoot.final.directmap, atBoot.final.patMemtypeList);
  return out + observationsToText(obs);
}

/**
 * The steps patlab predicts, as the real kernel ran them: without the user program every step
 * runs in the insmod process (a step's `comm:`/`pid:` is the model's alone); with it (`procs`)
 * each scenario pid is the real process that ran the step. Each allocation and populated tt gets
 * the pages the real kernel gave it, so addresses in messages, the list and the direct map are
 * the real ones (docs/probe.md §1, §3).
 */
function replayableSteps(steps: ScenarioStep[], ran: number[], allocs: Map<number, number[]>, ttPages: Map<number, number[]>, procs?: { pid: number | null; ctl: number | null; forks: Map<number, number>; plan: string[] }): ScenarioStep[] {
  // With the user program, each scenario pid is a real process: pid 1 the first, a fork's child_pid its real child.
  const real = new Map<number, number>();
  if (procs?.pid != null) real.set(1, procs.pid);
  for (const s of steps) {
    const child = s.args['child_pid'];
    const got = procs?.forks.get(s.index);
    if (s.call === 'fork' && child?.t === 'num' && got !== undefined) real.set(child.v, got);
  }
  return steps
    .filter((s) => ran.includes(s.index))
    .map((s) => {
      const { comm: _c, pid: scPid, ...bare } = s;
      const ctl = procs?.plan.includes(`0:R${s.index}`) && procs.ctl !== null ? procs.ctl : undefined;
      const pid = ctl ?? (procs ? real.get(scPid ?? 1) : undefined);
      let rest: ScenarioStep = pid !== undefined && (scPid !== undefined || ctl !== undefined) ? { ...bare, pid } : bare;
      if (s.call === 'fork' && procs) {
        const got = procs.forks.get(s.index);
        if (got !== undefined) rest = { ...rest, args: { ...s.args, child_pid: { t: 'num', v: got } } };
      }
      const tt = ttPages.get(s.index);
      // TTM's pool: the tt's real pages, one per index (a fresh block is taken at its real pfn).
      // A fault populates the tt too (a replay of a tt populated before is not used).
      const populates = s.call === 'ttm_tt_populate' || s.call === 'ttm_pool_alloc' || s.call === 'ttm_bo_vm_fault' || s.call === 'ttm_bo_touch';
      if (populates && tt && tt.every((p) => p !== undefined)) return { ...rest, args: { ...s.args, pfns: { t: 'list', v: tt } } };
      const got = allocs.get(s.index);
      const count = s.args['count']?.t === 'num' ? s.args['count'].v : 1;
      if (s.call !== 'alloc_pages' || got?.length !== count) return rest;
      // The real pages replace any `pfn:` the scenario gave (alloc_pages refuses both).
      const { pfn: _pfn, ...args } = s.args;
      return { ...rest, args: { ...args, pfns: { t: 'list', v: got } } };
    });
}


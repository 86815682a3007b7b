/**
 * `patlab probe SCENARIO... [--kernel K] [--emit DIR] [--keep DIR]`: run a
 * scenario's calls in a real Debian kernel under qemu and compare, observation
 * by observation, with what patlab predicts on the machine imported from the
 * same boot (docs/probe.md). `--emit DIR` writes the module, Makefile and init
 * script without booting. Exit 0 when every observation agrees, 1 when one
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
import { replayLateBootSplits } from '../kernel/setup/late-boot-splits.js';
import { moduleSource } from '../io/probe/module-c.js';
import { PROBE_KERNELS, type ProbeKernel, findKernel, qemuShape, buildModule, buildInitramfs, boot, splitConsole, writeBundle, INIT_SCRIPT } from '../io/probe/harness.js';
import { parseProbeDmesg, observations, observationsToText } from '../io/probe/observe.js';
import { importBundle } from '../io/capture/import.js';
import { formatIssues } from '../io/capture/lines.js';
import { readInput } from './read-input.js';
import { writeStdout } from './write-stdout.js';
import { DEFAULT_SWEEP, probeCapture } from './probe-capture.js';

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('run a scenario in a real Debian kernel under qemu and compare each observation with patlab')
    .argument('[scenario...]', 'scenario YAML files')
    .option('--kernel <kernel>', `one of ${PROBE_KERNELS.join(', ')} (default: by the machine's arch)`)
    .option('--emit <dir>', 'write the module source, Makefile and init script here, and do not boot')
    .option('--keep <dir>', 'keep the build folder, console log and capture bundle here')
    .option('--capture <shape|machine>', `boot a shape of ${DEFAULT_SWEEP}, a machine preset or a machine file with nothing loaded, write its capture bundle to -o DIR and check it`)
    .option('--sweep [file]', `boot every shape of the sweep file (default ${DEFAULT_SWEEP}), one bundle per shape under -o DIR, each checked`)
    .option('-o, --out <dir>', 'where --capture/--sweep write bundles')
    .action(async (paths: string[], o: { kernel?: string; emit?: string; keep?: string; capture?: string; sweep?: string | boolean; out?: string }) => {
      if (o.kernel !== undefined && !(PROBE_KERNELS as readonly string[]).includes(o.kernel))
        throw new InputError('<command line>', 1, 1, `unknown --kernel '${o.kernel}': expected one of ${PROBE_KERNELS.join(', ')}`);
      if (o.capture !== undefined || o.sweep !== undefined) {
        if (paths.length > 0) throw new InputError('<command line>', 1, 1, `--capture and --sweep boot machines, not scenarios: drop ${paths[0]}`);
        if (o.capture !== undefined && o.sweep !== undefined) throw new InputError('<command line>', 1, 1, '--capture and --sweep: give one');
        process.exitCode = await probeCapture(o);
        return;
      }
      if (paths.length === 0) throw new InputError('<command line>', 1, 1, 'expected a scenario file, --capture SHAPE|MACHINE or --sweep');
      let worst = 0;
      for (const path of paths) {
        const { text, name } = readInput(path);
        const sc = loadScenarioFile(text, name);
        const key = (o.kernel ?? (sc.machine.arch === 'x86-64' ? '6.1-amd64' : '6.1-686-pae')) as ProbeKernel;
        const mod = moduleSource(sc);
        let out = `probe ${sc.name} on ${key}\n`;
        if (mod.unsupported) out += `  probe: not supported: ${mod.unsupported.reason}; steps from ${mod.unsupported.step} on are not run\n`;
        if (o.emit !== undefined) {
          const dir = paths.length > 1 ? join(o.emit, sc.name) : o.emit;
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'patprobe.c'), mod.c);
          writeFileSync(join(dir, 'Makefile'), 'obj-m := patprobe.o\n');
          writeFileSync(join(dir, 'init'), INIT_SCRIPT);
          out += `  wrote ${dir}/patprobe.c, Makefile, init (build: make -C /lib/modules/$(uname -r)/build M=$PWD modules)\n`;
          await writeStdout(out);
          continue;
        }
        const k = findKernel(key);
        if ('missing' in k) {
          process.stderr.write(`patlab: probe: ${k.missing}\n`);
          process.exitCode = 3;
          return;
        }
        const shape = qemuShape(sc.machine, k);
        if ('refused' in shape) {
          await writeStdout(out + `  probe refused: ${shape.refused}\n`);
          worst = 2;
          continue;
        }
        for (const n of shape.notes) out += `  note: ${n}\n`;
        const dir = o.keep ?? mkdtempSync(join(tmpdir(), 'patlab-probe-'));
        try {
          const built = buildModule(join(dir, 'module'), mod.c, k);
          if ('error' in built) throw new Error(built.error);
          const initrd = buildInitramfs(dir, built.ko, k, mod.ttm);
          if (typeof initrd !== 'string') throw new Error(initrd.error);
          let b = boot(k, shape, initrd);
          // A boot that dies before the end of /init (a step's BUG or oops does not: insmod hangs and
          // /init goes on) is the guest's, not the scenario's: TCG SMP guests rarely oops in text
          // patching (docs/probe-differences.md). Boot once more, and say so.
          if ('error' in b && b.error.startsWith('the kernel did not reach the end')) {
            out += `  note: the first boot did not finish (${b.error.replace(/^the kernel did not reach the end of the probe /, '')}); booted again\n`;
            if (b.text) writeFileSync(join(dir, 'console-first-boot.txt'), b.text);
            b = boot(k, shape, initrd);
          }
          if ('error' in b) {
            if (b.text) writeFileSync(join(dir, 'console.txt'), b.text);
            throw new Error(b.error);
          }
          writeFileSync(join(dir, 'console.txt'), b.text);
          const { files, insmodRc } = splitConsole(b.text);
          const bundleDir = join(dir, 'capture');
          writeBundle(bundleDir, files, b.cmd);
          const imp = importBundle(bundleDir);
          if (imp.issues.length > 0) throw new Error(`the boot's capture does not import: ${formatIssues(imp.issues).split('\n')[0]}`);
          // qemu's firmware decides the MTRRs and e820: say where they are not the scenario's (patlab predicts for the booted machine).
          const mtrrOf = (m: typeof sc.machine): string => JSON.stringify(m.mtrr === null ? null : { def: m.mtrr.enabled ? m.mtrr.defType : null, v: m.mtrr.variable });
          if (mtrrOf(sc.machine) !== mtrrOf(imp.machine)) out += `  note: the booted machine's MTRRs (set by qemu's firmware) are not machine ${sc.machine.name}'s; patlab predicts for the booted machine\n`;
          const real = parseProbeDmesg(files.get('probe-dmesg.txt') ?? '');
          if (real.errors.length > 0 || real.pid === null) throw new Error(`the module did not run: ${real.errors.join('; ') || (insmodRc === null ? 'insmod hung' : `insmod exited ${insmodRc}`)}`);
          // A step's BUG or oops ends insmod (and may leave it hung on a lock): the steps before it still compare.
          if (insmodRc !== 0) out += `  note: insmod ${insmodRc === null ? 'hung (a fatal outcome held a lock); dmesg read after 30 s' : `exited ${insmodRc}`}\n`;
          // The prediction starts from the direct map the real boot left (its late 4 KiB splits replayed).
          const bootShape = (kk: KernelContext, step: number): void => {
            if (step === 0) replayLateBootSplits((kk as unknown as { directMap: DirectMap }).directMap, real.split4k);
          };
          const predicted = runScenario({ ...sc, machine: imp.machine, steps: replayableSteps(sc.steps, mod.steps, real.allocs, real.ttPages), expect: undefined } as typeof sc, KERNEL_DRIVER, {
            defaultComm: 'insmod',
            stopOnUnboundHandle: true,
            onStep: bootShape,
            ...(real.pid !== null ? { defaultPid: real.pid } : {}),
          });
          out += `  booted ${k.release}: ${b.cmd.split(' -kernel ')[0]}\n`;
          const atBoot = runScenario({ ...sc, machine: imp.machine, steps: [], expect: undefined } as typeof sc, KERNEL_DRIVER, { onStep: bootShape });
          const obs = observations(real, predicted, mod.steps, atBoot.final.directmap, atBoot.final.patMemtypeList);
          out += observationsToText(obs);
          if (obs.some((x) => !x.agrees)) worst = Math.max(worst, 1);
        } catch (e) {
          if (!(e instanceof Error) || e instanceof InputError) throw e;
          out += `  probe failed: ${e.message}\n`;
          worst = Math.max(worst, 1);
        } finally {
          if (o.keep === undefined) rmSync(dir, { recursive: true, force: true });
        }
        await writeStdout(out);
      }
      if (worst > 0) process.exitCode = worst;
    });
}

/**
 * The steps patlab predicts, as the real kernel ran them: every step runs in the insmod
 * process (a step's `comm:`/`pid:` is the model's alone), and each allocation gets the
 * page the real allocator returned, so addresses in messages, the list and the
 * direct map are the real ones (docs/probe.md §3).
 */
function replayableSteps(steps: ScenarioStep[], ran: number[], allocs: Map<number, number[]>, ttPages: Map<number, number[]>): ScenarioStep[] {
  return steps
    .filter((s) => ran.includes(s.index))
    .map((s) => {
      const { comm: _c, pid: _p, ...rest } = s;
      const tt = ttPages.get(s.index);
      // TTM's pool: the tt's real pages, one per index (a fresh block is taken at its real pfn).
      // A fault populates the tt too (a replay of a tt populated before is not used).
      const populates = s.call === 'ttm_tt_populate' || s.call === 'ttm_pool_alloc' || s.call === 'ttm_bo_vm_fault';
      if (populates && tt && tt.every((p) => p !== undefined)) return { ...rest, args: { ...s.args, pfns: { t: 'list', v: tt } } };
      const got = allocs.get(s.index);
      const count = s.args['count']?.t === 'num' ? s.args['count'].v : 1;
      if (s.call !== 'alloc_pages' || got?.length !== count) return rest;
      // The real pages replace any `pfn:` the scenario gave (alloc_pages refuses both).
      const { pfn: _pfn, ...args } = s.args;
      return { ...rest, args: { ...args, pfns: { t: 'list', v: got } } };
    });
}


import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import {
  MT,
  PAT_ERRATA,
  PAT_NORMAL,
  PAT_RESET,
  PatLayoutError,
  checkPatLayout,
  decodePat,
  encodePat,
  isPatErrataCpu,
  patConfigurationLine,
  patInit,
  patType,
  type PatInitInput,
} from '../../src/hw/index.js';

const { UC, WC, WT, WP, WB, UC_MINUS } = MT;

test('decode: the three Linux layouts (spec 02 §2.3)', () => {
  assert.deepEqual(decodePat(PAT_NORMAL).types, [WB, WC, UC_MINUS, UC, WB, WP, UC_MINUS, WT]);
  assert.deepEqual(decodePat(PAT_ERRATA).types, [WB, WC, UC_MINUS, UC, WB, WC, UC_MINUS, UC]);
  assert.deepEqual(decodePat(PAT_RESET).types, [WB, WT, UC_MINUS, UC, WB, WT, UC_MINUS, UC]);
  assert.equal(decodePat(PAT_NORMAL).hasReserved, false);
});

test('decode: only low 3 bits count; reserved 2 and 3 decode as WB and are flagged', () => {
  // PA1 = 0xF9 -> low bits 1 (WC); PA2 = 0x02 reserved; PA3 = 0x03 reserved
  const msr = 0x0007040603_02_f9_06n;
  const d = decodePat(msr);
  assert.equal(d.types[1], WC);
  assert.equal(d.types[2], WB);
  assert.equal(d.entries[2]!.reserved, true);
  assert.equal(d.entries[2]!.raw, 2);
  assert.equal(d.types[3], WB);
  assert.equal(d.entries[3]!.reserved, true);
  assert.equal(d.entries[1]!.reserved, false);
  assert.equal(d.hasReserved, true);
  assert.equal(patType(msr, 0), WB);
});

test('encodePat is the inverse of decode', () => {
  assert.equal(encodePat([WB, WC, UC_MINUS, UC, WB, WP, UC_MINUS, WT]), PAT_NORMAL);
  const mt = fc.constantFrom(UC, WC, WT, WP, WB, UC_MINUS);
  fc.assert(
    fc.property(fc.array(mt, { minLength: 8, maxLength: 8 }), (types) => {
      assert.deepEqual(decodePat(encodePat(types)).types, types);
    }),
  );
});

test('configuration lines, exact text (spec 02 §2.4)', () => {
  assert.equal(patConfigurationLine(PAT_NORMAL), 'x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  ');
  assert.equal(patConfigurationLine(PAT_ERRATA), 'x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WC  UC- UC  ');
  assert.equal(patConfigurationLine(PAT_RESET), 'x86/PAT: Configuration [0-7]: WB  WT  UC- UC  WB  WT  UC- UC  ');
  // reserved encoding 3 in PA7 prints as WB
  assert.equal(patConfigurationLine(0x0307040600070406n), 'x86/PAT: Configuration [0-7]: WB  WT  UC- UC  WB  WT  UC- WB  ');
});

test('property: configuration line is the prefix plus eight 4-character cells', () => {
  const prefix = 'x86/PAT: Configuration [0-7]: ';
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (msr) => {
      const line = patConfigurationLine(msr);
      assert.ok(line.startsWith(prefix));
      const rest = line.slice(prefix.length);
      assert.equal(rest.length, 32);
      const cells = rest.match(/.{4}/g)!;
      assert.equal(cells.length, 8);
      for (const c of cells) assert.match(c, /^(WB  |WC  |WT  |WP  |UC  |UC- )$/);
    }),
  );
});

test('slot 0 not WB is rejected with a typed error', () => {
  assert.equal(checkPatLayout(PAT_NORMAL), null);
  const err = checkPatLayout(0x0007040600070401n); // PA0 = WC
  assert.ok(err instanceof PatLayoutError);
  assert.equal(err.slot0, WC);
  // reserved 2 in slot 0 is treated as WB, so accepted
  assert.equal(checkPatLayout(0x0007040600070402n), null);
});

const base: PatInitInput = {
  cpuHasPat: true,
  msrAtBoot: PAT_RESET,
  nopat: false,
  configX86Pat: true,
  xenPv: false,
  vendor: 'intel',
  family: 6,
  model: 0x55,
};

test('patInit: normal CPU writes the normal layout', () => {
  const r = patInit(base);
  assert.equal(r.enabled, true);
  assert.equal(r.msrInEffect, PAT_NORMAL);
  assert.equal(r.tablesFrom, PAT_NORMAL);
  assert.equal(r.writesMsr, true);
  assert.deepEqual(r.messages, ['x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  ']);
});

test('patInit: errata CPUs (Intel fam 6 <= 0xD, fam 0xF <= 6)', () => {
  for (const [family, model] of [
    [6, 0x0d],
    [6, 0x01],
    [0xf, 6],
  ] as const) {
    const r = patInit({ ...base, family, model });
    assert.equal(r.msrInEffect, PAT_ERRATA, `${family}/${model}`);
    assert.equal(r.layout, 'errata');
  }
  assert.equal(patInit({ ...base, family: 6, model: 0x0e }).msrInEffect, PAT_NORMAL);
  assert.equal(patInit({ ...base, family: 0xf, model: 7 }).msrInEffect, PAT_NORMAL);
  assert.equal(patInit({ ...base, vendor: 'amd', family: 6, model: 1 }).msrInEffect, PAT_NORMAL);
  assert.equal(isPatErrataCpu('GenuineIntel', 6, 9), true);
});

test('patInit: nopat keeps firmware value, not written, disabled', () => {
  const r = patInit({ ...base, nopat: true });
  assert.equal(r.enabled, false);
  assert.equal(r.msrInEffect, PAT_RESET);
  assert.equal(r.tablesFrom, PAT_RESET);
  assert.equal(r.writesMsr, false);
  assert.deepEqual(r.messages, [
    'x86/PAT: PAT support disabled via boot option.',
    'x86/PAT: Configuration [0-7]: WB  WT  UC- UC  WB  WT  UC- UC  ',
  ]);
});

test('patInit: CONFIG_X86_PAT=n is silent for nopat and prints its own line', () => {
  const r = patInit({ ...base, configX86Pat: false, nopat: true });
  assert.equal(r.enabled, false);
  assert.deepEqual(r.messages, [
    'x86/PAT: PAT support disabled because CONFIG_X86_PAT is disabled in the kernel.',
    'x86/PAT: Configuration [0-7]: WB  WT  UC- UC  WB  WT  UC- UC  ',
  ]);
});

test('patInit: CPU without PAT prints only the CPU reason, emulated tables', () => {
  const r = patInit({ ...base, cpuHasPat: false, msrAtBoot: PAT_NORMAL });
  assert.equal(r.enabled, false);
  assert.equal(r.msrInEffect, null);
  assert.equal(r.tablesFrom, PAT_RESET);
  assert.deepEqual(r.messages, [
    'x86/PAT: PAT not supported by the CPU.',
    'x86/PAT: Configuration [0-7]: WB  WT  UC- UC  WB  WT  UC- UC  ',
  ]);
});

test('patInit: firmware left 0', () => {
  const r = patInit({ ...base, msrAtBoot: 0n });
  assert.equal(r.enabled, false);
  assert.equal(r.msrInEffect, 0n);
  assert.equal(r.tablesFrom, PAT_RESET);
  assert.equal(r.messages[0], 'x86/PAT: PAT support disabled by the firmware.');
  assert.equal(r.messages.length, 2);
});

test('patInit: Xen PV uses the hypervisor value, enabled, not written', () => {
  const xen = 0x0000000500070106n; // WB WC UC- UC WP UC UC UC
  const r = patInit({ ...base, xenPv: true, msrAtBoot: xen });
  assert.equal(r.enabled, true);
  assert.equal(r.writesMsr, false);
  assert.equal(r.tablesFrom, xen);
  assert.equal(r.msrInEffect, xen);
  assert.equal(r.layout, 'xen');
});

test('patInit: firmware layout with PA0 != WB under nopat throws PatLayoutError', () => {
  assert.throws(() => patInit({ ...base, nopat: true, msrAtBoot: 0x0007040600070400n }), PatLayoutError);
});

/**
 * schema/machine.schema.json is the TS schema printed as JSON
 * (regenerate: `npm run build && node scripts/gen-machine-schema.mjs`), and
 * it accepts every preset's YAML; the precompiled validator the loader uses
 * is the one ajv compiles from that schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { parse } from 'yaml';
import { MACHINE_SCHEMA } from '../../../src/io/machine/machine-schema.js';
import { PRESET_YAML } from '../../../src/io/machine/presets.js';
import { machineValidatorSource } from '../../../src/io/machine/validator-source.js';
import { REPO_ROOT } from '../../shared-dir.js';

const JSON_PATH = join(REPO_ROOT, 'schema', 'machine.schema.json');

test('schema/machine.schema.json is identical to the TS schema', () => {
  const text = readFileSync(JSON_PATH, 'utf8');
  assert.equal(text, JSON.stringify(MACHINE_SCHEMA, null, 2) + '\n', 'stale: run node scripts/gen-machine-schema.mjs');
  assert.deepEqual(JSON.parse(text), MACHINE_SCHEMA);
});

test('the JSON schema compiles and accepts every preset', () => {
  const ajv = new AjvModule.default({ strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(JSON_PATH, 'utf8')) as object);
  for (const [name, yaml] of Object.entries(PRESET_YAML)) {
    // Plain YAML parsing turns hex into numbers; all preset values stay below 2^53.
    assert.ok(validate(parse(yaml)), `${name}: ${JSON.stringify(validate.errors)}`);
  }
  assert.equal(validate({ arch: 'x86-64', e820: [], bogus: 1 }), false);
});

test('src/io/machine/machine-validator.ts is the validator ajv compiles from the TS schema today', () => {
  const text = readFileSync(join(REPO_ROOT, 'src', 'io', 'machine', 'machine-validator.ts'), 'utf8');
  assert.equal(text === machineValidatorSource(), true, 'stale: run npm run build && node scripts/gen-machine-schema.mjs && npm run build');
});

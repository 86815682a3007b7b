// Writes schema/machine.schema.json and src/io/machine/machine-validator.ts (the precompiled
// validator) from the built TS schema (run after `npm run build`, then build again).
// test/io/machine/schema-json.test.ts fails when either differs.
import { writeFileSync } from 'node:fs';
import { MACHINE_SCHEMA } from '../dist/src/io/machine/machine-schema.js';
import { machineValidatorSource } from '../dist/src/io/machine/validator-source.js';

writeFileSync(new URL('../schema/machine.schema.json', import.meta.url), JSON.stringify(MACHINE_SCHEMA, null, 2) + '\n');
writeFileSync(new URL('../src/io/machine/machine-validator.ts', import.meta.url), machineValidatorSource());

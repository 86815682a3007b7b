// Writes schema/machine.schema.json from the built TS schema (run after `npm run build`).
// test/io/machine/schema-json.test.ts fails when the two differ.
import { writeFileSync } from 'node:fs';
import { MACHINE_SCHEMA } from '../dist/src/io/machine/machine-schema.js';

writeFileSync(new URL('../schema/machine.schema.json', import.meta.url), JSON.stringify(MACHINE_SCHEMA, null, 2) + '\n');

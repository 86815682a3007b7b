/**
 * The built-in debate suite: the scenarios `patlab compare` (and `npm start`)
 * runs when given none, the files under scenarios/suite/ in the order
 * scenarios/suite/index.yaml gives. Each says in its description what it
 * shows (test/run/suite-claims.test.ts checks those claims). They are YAML
 * text so the web page can load them as examples unchanged.
 */

import { packagedFile } from '../data/files.js';

export interface SuiteScenario {
  name: string;
  yaml: string;
}

export const DEBATE_SUITE: readonly SuiteScenario[] = Object.freeze(
  packagedFile('scenarios/suite/index.yaml')
    .split('\n')
    .filter((l) => l.startsWith('- '))
    .map((l) => l.slice(2).trim())
    .map((name) => ({ name, yaml: packagedFile(`scenarios/suite/${name}.yaml`) })),
);

/**
 * `patlab check-capture DIR`: one line per prediction of the model for the
 * imported bundle (agrees / differs with a diff). Exit 0 when every
 * prediction agrees or differs only by a known model limit, 1 otherwise,
 * 2 when the bundle has unreadable lines.
 */

import type { Command } from 'commander';
import { checkCapture, formatCheck } from '../io/capture/check.js';
import { formatIssues } from '../io/capture/lines.js';
import { writeStdout } from './write-stdout.js';

export function registerCheckCapture(program: Command): void {
  program
    .command('check-capture')
    .description('import a capture bundle, boot it in the model and compare every prediction with the capture')
    .argument('<dir>', 'capture bundle folder')
    .action(async (dir: string) => {
      const r = checkCapture(dir);
      if (r.import.issues.length > 0) {
        process.stderr.write(formatIssues(r.import.issues) + '\n');
        process.exitCode = 2;
        return;
      }
      await writeStdout(formatCheck(r));
      if (r.predictions.some((p) => p.status === 'differs' && p.known === undefined)) process.exitCode = 1;
    });
}

/**
 * `patlab demo`: what `npm start` runs until the policy comparison exists.
 * It replays a built-in memtype trace and says what each part shows.
 */

import type { Command } from 'commander';
import { DEMO_TRACE } from '../io/trace/demo-trace.js';
import { replayMemtypeTrace } from '../io/trace/memtype-trace.js';
import { writeStdout } from './write-stdout.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('replay the built-in demo trace and explain what it shows')
    .action(async () => {
      const out = replayMemtypeTrace(DEMO_TRACE.text, { file: '<built-in demo>' });
      await writeStdout(`${DEMO_TRACE.intro}\n\n--- trace ---\n${DEMO_TRACE.text}\n--- kernel output (mainline memtype code) ---\n${out}\n${DEMO_TRACE.outro}\n`);
    });
}

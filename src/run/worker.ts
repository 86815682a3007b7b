/** A worker thread of `patlab compare` for scenarios that hold their steps (run/compare-tasks.ts); cli/compare-worker.ts also reads them from files. */

import { serveCompareTasks } from './compare-tasks.js';

serveCompareTasks();

/** A worker thread of `patlab compare` that also reads a call trace's steps from its file again (io/trace/call-trace-file.ts). */

import { callTraceSource } from '../io/trace/call-trace-file.js';
import { serveCompareTasks } from '../run/compare-tasks.js';

serveCompareTasks(callTraceSource);

/**
 * Reading the recorder's call log (`calls.log`: tracefs's trace format, one
 * kprobe or kretprobe event per line) into calls: each entry event paired with
 * its return on the same task, nested calls (memtype_reserve inside
 * set_pages_array_wc, say) kept under their caller (docs/record.md §3).
 *
 *     insmod-161  [000] .....  10.962: set_pages_array_wc: (set_pages_array_wc+0x0/0x20) pages=0xf784a28c ...
 *     insmod-161  [000] .....  10.973: set_pages_array_wc__ret: (probe_step+0xc5/0x3b8 [patprobe] <- set_pages_array_wc) ret=0x0
 *
 * Read line by line, so a log of millions of lines costs memory in proportion
 * to its calls, not its text twice.
 */

import { InputError } from '../../run/input-error.js';

export interface RecordedCall {
  name: string;
  /** Line of the entry event in the log. */
  line: number;
  pid: number;
  comm: string;
  /** Seconds, as the trace prints them. */
  ts: string;
  /** Fetched arguments; an i386 `X_hi` word is joined into `X`. */
  args: Map<string, bigint>;
  /** The return value (`ret`, with `ret_hi` on i386), or undefined when the log holds no return. */
  ret?: bigint;
  children: RecordedCall[];
}

export interface CallLog {
  /** Calls made outside any other recorded call, in the order they were entered. */
  calls: RecordedCall[];
  /** Every call, nested ones included. */
  total: number;
  /** Calls per function name. */
  counts: Map<string, number>;
}

const LINE = /^\s*(.*?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:\S+\s+)?(\d+\.\d+): (\w+): \(([^)]*)\)(.*)$/;
const FIELD = /\s+(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g;

/** Parse a call log; a line that is not a trace line is `FILE:LINE:COL: expected ...`. */
export function parseCallLog(text: string, file: string): CallLog {
  const calls: RecordedCall[] = [];
  const counts = new Map<string, number>();
  const open = new Map<number, RecordedCall[]>();
  let total = 0;
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end).replace(/\r$/, '');
    start = end + 1;
    lineNo++;
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const m = LINE.exec(raw);
    if (!m) throw new InputError(file, lineNo, 1, `expected a trace line 'COMM-PID [CPU] FLAGS SECONDS: EVENT: (WHERE) NAME=VALUE...' (tracefs's trace format)`);
    const [, comm, pidS, , ts, event, , rest] = m;
    const fields = new Map<string, string>();
    let fm: RegExpExecArray | null;
    FIELD.lastIndex = 0;
    let consumed = 0;
    while ((fm = FIELD.exec(rest!)) !== null) {
      fields.set(fm[1]!, fm[2]!);
      consumed = FIELD.lastIndex;
    }
    if (rest!.slice(consumed).trim() !== '') {
      const col = raw.length - rest!.length + consumed + 1;
      throw new InputError(file, lineNo, col, `expected NAME=VALUE fields after the event's location`);
    }
    const pid = Number(pidS);
    const num = (name: string): bigint | undefined => {
      const v = fields.get(name);
      if (v === undefined) return undefined;
      if (!/^(0x[0-9a-fA-F]+|-?\d+)$/.test(v)) {
        const col = raw.indexOf(`${name}=`) + 1;
        throw new InputError(file, lineNo, col, `bad ${name} '${v}': expected a number (the recorder fetches hex words)`);
      }
      const lo = BigInt(v);
      const hi = fields.get(`${name}_hi`);
      return hi === undefined ? lo : (BigInt(hi) << 32n) | (lo & 0xffffffffn);
    };
    const stack = open.get(pid) ?? [];
    open.set(pid, stack);
    if (event!.endsWith('__ret')) {
      const name = event!.slice(0, -5);
      // A return pairs with the innermost open call of its name on the task; calls above it
      // on the stack returned without a return event (a kretprobe that missed: maxactive).
      let i = stack.length - 1;
      while (i >= 0 && stack[i]!.name !== name) i--;
      if (i < 0) continue; // entered before the recording began
      const c = stack[i]!;
      stack.length = i;
      const r = num('ret');
      if (r !== undefined) c.ret = r;
      continue;
    }
    const args = new Map<string, bigint>();
    let callComm = comm!.trim();
    for (const [k, v] of fields) {
      if (k.endsWith('_hi')) continue;
      if (k === 'comm') {
        callComm = v.replace(/^"|"$/g, '');
        continue;
      }
      args.set(k, num(k)!);
    }
    const c: RecordedCall = { name: event!, line: lineNo, pid, comm: callComm, ts: ts!, args, children: [] };
    total++;
    counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(c);
    else calls.push(c);
    stack.push(c);
  }
  if (text.length > 0 && !text.endsWith('\n')) {
    const last = text.slice(text.lastIndexOf('\n') + 1);
    if (!LINE.test(last)) throw new InputError(file, lineNo, last.length + 1, 'the log ends in the middle of a line: expected a whole trace line (truncated log?)');
  }
  return { calls, total, counts };
}

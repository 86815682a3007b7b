/**
 * Reading the recorder's call log (`calls.log`: tracefs's trace format, one
 * kprobe or kretprobe event per line) into calls: each entry event paired with
 * its return on the same task, nested calls (memtype_reserve inside
 * set_pages_array_wc, say) kept under their caller (docs/record.md §3).
 *
 *     insmod-161  [000] .....  10.962: set_pages_array_wc: (set_pages_array_wc+0x0/0x20) pages=0xf784a28c ...
 *     insmod-161  [000] .....  10.973: set_pages_array_wc__ret: (probe_step+0xc5/0x3b8 [patprobe] <- set_pages_array_wc) ret=0x0
 *
 * Streamed: each outermost call is handed on as soon as it has returned and
 * every call entered before it has too, so memory is that of the calls still
 * open (and of those entered after the oldest open one), not of the log.
 */

import { InputError } from '../../run/input-error.js';
import { LineSplitter, readLines, type LinesRead } from '../read-lines.js';
import { CallArgs, wordValue } from './call-args.js';

export interface RecordedCall {
  name: string;
  /** Line of the entry event in the log. */
  line: number;
  pid: number;
  comm: string;
  /** Seconds, as the trace prints them. */
  ts: string;
  /** Fetched arguments; an i386 `X_hi` word is joined into `X`. */
  args: CallArgs;
  /** The return value (`ret`, with `ret_hi` on i386), or undefined when the log holds no return. */
  ret?: bigint;
  /**
   * Where it was called from, the function of the return address (`unmap_vmas` of
   * `caller=unmap_vmas+0xea/0x170`): only a function the recorder traces at its entry only
   * fetches it, and such an entry is the whole call (no return event follows).
   */
  caller?: string;
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

/** What reading a log counted; its outermost calls went to the reader's callback. */
export interface CallLogSummary {
  /** The log's name in messages. */
  name: string;
  /** Every call, nested ones included. */
  total: number;
  /** Calls per function name, in the order each was first entered. */
  counts: Map<string, number>;
}

/** Called with each outermost call, complete (its return and the calls it made), in the order they were entered. */
export type OnCall = (c: RecordedCall) => void;

/** COMM-PID, an optional (TGID), [CPU], the flags, SECONDS: EVENT: (WHERE) and the fields: comm, pid, seconds, event, fields captured. */
const LINE = /^\s*(.*?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[\d+\]\s+(?:\S+\s+)?(\d+\.\d+): (\w+): \([^)]*\)(.*)$/;
/** A value is a quoted string, or a word: a symbol+offset/size one may be followed by its module, `[ttm]`. */
const FIELD = /\s+(\w+)=("(?:[^"\\]|\\.)*"|\S*(?: \[\w+\])?)/g;
const NUMBER = /^(0x[0-9a-fA-F]+|-?\d+)$/;
const NON_SPACE = /\S/;
const NON_SPACE_G = /\S/g;
/** A line's NAME=VALUE fields, read into arrays a reader reuses from line to line (a log has millions of lines). */
class LineFields {
  /** The names and values of the last line read, the first {@link read}'s count of them. */
  readonly keys: string[] = [];
  readonly vals: string[] = [];
  /** Whether one of them is an i386 high word (`NAME_hi`): x86-64's never are. */
  hasHi = false;

  /**
   * The NAME=VALUE fields after an event's location, a name seen twice keeping its first
   * place and its last value: how many; or, when text other than white space is left after
   * the last field, -(its offset) - 1.
   */
  read(rest: string): number {
    let n = 0;
    this.hasHi = false;
    let fm: RegExpExecArray | null;
    FIELD.lastIndex = 0;
    let consumed = 0;
    while ((fm = FIELD.exec(rest)) !== null) {
      const at = this.index(n, fm[1]!);
      if (at < 0) {
        this.keys[n] = fm[1]!;
        this.vals[n++] = fm[2]!;
        if (fm[1]!.endsWith('_hi')) this.hasHi = true;
      } else this.vals[at] = fm[2]!;
      consumed = FIELD.lastIndex;
    }
    NON_SPACE_G.lastIndex = consumed;
    return NON_SPACE_G.test(rest) ? -consumed - 1 : n;
  }

  /** Where field `name` is among the first `n` read, or -1. */
  index(n: number, name: string): number {
    for (let i = 0; i < n; i++) if (this.keys[i] === name) return i;
    return -1;
  }

  /** Where the high word `NAME_hi` of a field is among the first `n`, or -1 (none on x86-64). */
  hiIndex(n: number, name: string): number {
    return this.hasHi ? this.index(n, `${name}_hi`) : -1;
  }
}

/** The function of a `symbol` fetch (`unmap_vmas+0xea/0x170`, `fn+0x1/0x2 [mod]`, or a bare address the kernel could not name). */
function callerName(v: string): string {
  const plus = v.indexOf('+');
  return plus > 0 ? v.slice(0, plus) : v.split(' ')[0]!;
}

/** A `comm="..."` value without its quotes (the first and last, where they are). */
function unquote(v: string): string {
  const from = v.startsWith('"') ? 1 : 0;
  const to = v.length > from && v.endsWith('"') ? v.length - 1 : v.length;
  return v.slice(from, to);
}

/** An outermost call waiting to be handed on. */
interface Pending {
  call: RecordedCall;
  /** Its return came (closing any call still open inside it): nothing more can be added to it. */
  done: boolean;
}

/** A task's calls not yet returned, outermost first, and the outermost one's place in the queue. */
interface Task {
  stack: RecordedCall[];
  top: Pending;
}

/**
 * The pairing, a line at a time: `line` for each line of the log, then `end`. A line that is
 * not a trace line is an InputError `FILE:LINE:COL: expected ...`.
 */
export class CallLogReader {
  private total = 0;
  private readonly counts = new Map<string, number>();
  private readonly tasks = new Map<number, Task>();
  /** Outermost calls in the order they were entered, from `head` on. */
  private queue: Pending[] = [];
  private head = 0;
  private readonly fields = new LineFields();

  constructor(
    private readonly file: string,
    private readonly onCall: OnCall,
  ) {}

  line(text: string, lineNo: number): void {
    const raw = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (raw.startsWith('#') || !NON_SPACE.test(raw)) return;
    const m = LINE.exec(raw);
    if (!m) throw new InputError(this.file, lineNo, 1, `expected a trace line 'COMM-PID [CPU] FLAGS SECONDS: EVENT: (WHERE) NAME=VALUE...' (tracefs's trace format)`);
    const event = m[4]!;
    const rest = m[5]!;
    const f = this.fields;
    const nf = f.read(rest);
    if (nf < 0) {
      const consumed = -nf - 1;
      throw new InputError(this.file, lineNo, raw.length - rest.length + consumed + 1, `expected NAME=VALUE fields after the event's location`);
    }
    const pid = Number(m[2]);
    const task = this.tasks.get(pid);
    if (event.endsWith('__ret')) {
      if (task === undefined) return; // entered before the recording began
      const stack = task.stack;
      const name = event.slice(0, -5);
      // A return pairs with the innermost open call of its name on the task; calls above it
      // on the stack returned without a return event (a kretprobe that missed: maxactive).
      let i = stack.length - 1;
      while (i >= 0 && stack[i]!.name !== name) i--;
      if (i < 0) return; // entered before the recording began
      const c = stack[i]!;
      stack.length = i;
      const at = f.index(nf, 'ret');
      if (at >= 0) {
        const hi = f.hiIndex(nf, 'ret');
        c.ret = wordValue(this.word('ret', f.vals[at]!, raw, lineNo), hi < 0 ? undefined : this.hiWord('ret_hi', f.vals[hi]!, raw, lineNo));
      }
      if (i === 0) {
        task.top.done = true;
        this.tasks.delete(pid);
        this.flush();
      }
      return;
    }
    const args = new CallArgs();
    let callComm = m[1]!.trim();
    let caller: string | undefined;
    for (let i = 0; i < nf; i++) {
      const k = f.keys[i]!;
      if (k.endsWith('_hi')) continue;
      if (k === 'comm') {
        callComm = unquote(f.vals[i]!);
        continue;
      }
      if (k === 'caller') {
        caller = callerName(f.vals[i]!);
        continue;
      }
      const hi = f.hiIndex(nf, k);
      args.set(k, this.word(k, f.vals[i]!, raw, lineNo), hi < 0 ? undefined : this.hiWord(`${k}_hi`, f.vals[hi]!, raw, lineNo));
    }
    const c: RecordedCall = { name: event, line: lineNo, pid, comm: callComm, ts: m[3]!, args, children: [] };
    if (caller !== undefined) c.caller = caller;
    this.total++;
    this.counts.set(c.name, (this.counts.get(c.name) ?? 0) + 1);
    if (task !== undefined) {
      task.stack[task.stack.length - 1]!.children.push(c);
      if (caller === undefined) task.stack.push(c);
    } else if (caller !== undefined) {
      // Traced at its entry only: complete as it is.
      this.queue.push({ call: c, done: true });
      this.flush();
    } else {
      const top: Pending = { call: c, done: false };
      this.queue.push(top);
      this.tasks.set(pid, { stack: [c], top });
    }
  }

  /** A field's word, checked to be a number (an InputError at the field if not). */
  private word(name: string, v: string, raw: string, lineNo: number): string {
    if (!NUMBER.test(v)) this.badWord(name, v, raw, lineNo);
    return v;
  }

  /**
   * An i386 high word: whatever BigInt reads is taken, as the reader always took it (an
   * empty one, where a line was cut, is 0); what it cannot read is an InputError, not a crash.
   */
  private hiWord(name: string, v: string, raw: string, lineNo: number): string {
    try {
      BigInt(v);
    } catch {
      this.badWord(name, v, raw, lineNo);
    }
    return v;
  }

  private badWord(name: string, v: string, raw: string, lineNo: number): never {
    throw new InputError(this.file, lineNo, raw.indexOf(`${name}=`) + 1, `bad ${name} '${v}': expected a number (the recorder fetches hex words)`);
  }

  /** The end of the log (what readLines or a LineSplitter said of it): every call still open is handed on as it is. */
  end(r: LinesRead): CallLogSummary {
    // A last line without its newline was read above; one that is still not a trace line with
    // its `\r` is cut short (a comment or blank line there has no newline either).
    if (r.unterminated !== null && !LINE.test(r.unterminated))
      throw new InputError(this.file, r.lines, r.unterminated.length + 1, 'the log ends in the middle of a line: expected a whole trace line (truncated log?)');
    for (const p of this.queue.slice(this.head)) this.onCall(p.call);
    this.queue = [];
    this.head = 0;
    this.tasks.clear();
    return { name: r.name, total: this.total, counts: this.counts };
  }

  /** Hand on the outermost calls that are done, up to the first still open. */
  private flush(): void {
    const q = this.queue;
    while (this.head < q.length && q[this.head]!.done) {
      const p = q[this.head]!;
      q[this.head++] = undefined as unknown as Pending;
      this.onCall(p.call);
    }
    if (this.head === q.length) {
      q.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }
}

/** Read a call log file line by line (no size limit), each outermost call to `onCall` as soon as it is complete. */
export function readCallLog(path: string, onCall: OnCall, chunkSize?: number): CallLogSummary {
  const reader = new CallLogReader(path === '-' ? '<stdin>' : path, onCall);
  const r = readLines(path, (l, n) => reader.line(l, n), chunkSize);
  return reader.end(r);
}

/** Parse a call log held as one string; a line that is not a trace line is `FILE:LINE:COL: expected ...`. */
export function parseCallLog(text: string, file: string): CallLog {
  const calls: RecordedCall[] = [];
  const reader = new CallLogReader(file, (c) => calls.push(c));
  const split = new LineSplitter(file, (l, n) => reader.line(l, n));
  split.pushText(text);
  const s = reader.end(split.end());
  return { calls, total: s.total, counts: s.counts };
}

/**
 * The interactive page: a YAML editor, machine and design pickers, and the
 * comparison views, all computed in the browser by the same src/ code the CLI
 * runs (no model code here, no server). The computing and the rendering of the
 * views happen in Web Workers (web/worker.ts, one per core, each running its
 * share of the designs), which report progress and are terminated when an
 * edit supersedes their job, so the tab never freezes; this thread only
 * places the HTML and wires the memory strips. The scenario text
 * and the chosen designs live in the URL hash (deflate-compressed) so a link
 * reproduces the view.
 */

import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { basicSetup, EditorView } from 'codemirror';
import { EXAMPLES, SOURCE } from 'patlab:examples';
import { presetNames } from '../src/io/machine/presets.js';
import { installStrips, stripHtml } from '../src/io/render/html/strip.js';
import { VIEW_CSS } from '../src/io/render/html/styles.js';
import { POLICIES } from '../src/policy/registry.js';
import type { Job, Reply, RunError, RunJob, RunResult, SuiteResult } from './protocol.js';

const DEBOUNCE_MS = 300;
/** The example shown when the URL carries no scenario: the debate's reported problem. */
const DEFAULT_EXAMPLE = /ttm-highmem-wc/;

const $ = <T extends HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`page is missing ${sel}`);
  return el;
};

/* ---------- URL state ---------- */

async function pipeBytes(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export async function encodeText(text: string): Promise<string> {
  return toBase64Url(await pipeBytes(new TextEncoder().encode(text), new CompressionStream('deflate-raw')));
}

export async function decodeText(s: string): Promise<string> {
  return new TextDecoder().decode(await pipeBytes(fromBase64Url(s), new DecompressionStream('deflate-raw')));
}

interface UrlState {
  yaml?: string;
  policies?: string;
}

async function readHash(): Promise<UrlState> {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const out: UrlState = {};
  const y = params.get('s');
  if (y) {
    try {
      out.yaml = await decodeText(y);
    } catch {
      setStatus('error', 'the link\'s scenario could not be decoded; showing the default example');
    }
  }
  const p = params.get('p');
  if (p) out.policies = p;
  return out;
}

async function writeHash(text: string, policies: string): Promise<void> {
  const hash = `#s=${await encodeText(text)}&p=${encodeURIComponent(policies)}`;
  if (hash !== location.hash) history.replaceState(null, '', hash);
}

/* ---------- controls ---------- */

function setStatus(kind: 'ok' | 'error' | 'running', text: string, line?: number, col?: number): void {
  const st = $('#status');
  st.className = `status status-${kind}`;
  st.textContent = text;
  if (line !== undefined) st.dataset['line'] = String(line);
  else delete st.dataset['line'];
  if (col !== undefined) st.dataset['col'] = String(col);
  else delete st.dataset['col'];
}

function policyChecks(): HTMLInputElement[] {
  return [...document.querySelectorAll<HTMLInputElement>('#policies input[type=checkbox]')];
}

function policiesSpec(): string {
  const checks = policyChecks();
  const on = checks.filter((c) => c.checked).map((c) => c.value);
  return on.length === checks.length ? 'all' : on.join(',');
}

function setPolicies(spec: string): void {
  const want = spec === 'all' ? null : new Set(spec.split(',').map((s) => s.trim()));
  for (const c of policyChecks()) c.checked = want === null || want.has(c.value);
}

/** The top-level `machine:` of the text, when it is a plain scalar. */
function machineOf(text: string): string | null {
  const m = /^machine:[ \t]*([^\s#{[][^\n#]*?)[ \t]*(#.*)?$/m.exec(text);
  return m ? m[1]!.replace(/^["']|["']$/g, '') : null;
}

/**
 * Picking a preset rewrites the scenario's top-level `machine:` (a scalar, or
 * a whole block mapping) so that the editor always holds what runs and the
 * link carries it.
 */
function withMachine(text: string, preset: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => /^machine:/.test(l));
  if (i < 0) return `machine: ${preset}\n${text}`;
  let j = i + 1;
  while (j < lines.length && (/^\s+\S/.test(lines[j]!) || lines[j]!.trim() === '')) j++;
  // Keep trailing blank lines that separate the block from the next key.
  while (j > i + 1 && lines[j - 1]!.trim() === '') j--;
  lines.splice(i, j - i, `machine: ${preset}`);
  return lines.join('\n');
}

/* ---------- running (in web/worker.ts) ---------- */

let editor: EditorView;
let runSeq = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

/**
 * The compute workers and the job they run: a job's designs are shared out
 * over up to {@link MAX_WORKERS} workers, one per core. An edit while a job
 * runs terminates them all (the only way to stop a computation in flight) and
 * starts fresh ones; idle workers are reused.
 */
const MAX_WORKERS = 4;
let pool: Worker[] = [];
let inFlight: { seq: number; done: () => void; progress: number[]; total: number } | null = null;
/** For the tests: workers started and terminated mid-job, and the scenario of every result shown. */
const stats = { started: 0, terminated: 0, shown: [] as string[] };

function startWorker(onReply: (r: Reply) => void): Worker {
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  stats.started++;
  w.onmessage = (e: MessageEvent<Reply>) => onReply(e.data);
  w.onerror = (e) => {
    e.preventDefault();
    onReply({ type: 'error', seq: runSeq, message: `the compute worker failed: ${e.message || 'it could not start'}` });
  };
  return w;
}

function stopPool(): void {
  for (const w of pool) w.terminate();
  stats.terminated += pool.length;
  pool = [];
}

/** Workers for a job of `designs` designs: one per core, at most one per design. */
function partsFor(designs: number): number {
  return Math.max(1, Math.min(MAX_WORKERS, navigator.hardwareConcurrency || 1, designs));
}

function submit(job: Omit<RunJob, 'part' | 'parts' | 'ports'>, designs: number, done: () => void): void {
  if (inFlight) {
    stopPool();
    inFlight.done();
  }
  const parts = partsFor(designs);
  while (pool.length > parts) pool.pop()!.terminate();
  while (pool.length < parts) pool.push(startWorker(onReply));
  inFlight = { seq: job.seq, done, progress: new Array<number>(parts).fill(0), total: 0 };
  // Part 0 gathers every other part's results on a port of its own.
  const channels = pool.slice(1).map(() => new MessageChannel());
  pool[0]!.postMessage({ ...job, part: 0, parts, ports: channels.map((c) => c.port1) } satisfies RunJob, channels.map((c) => c.port1));
  channels.forEach((c, i) => pool[i + 1]!.postMessage({ ...job, part: i + 1, parts, ports: [c.port2] } satisfies RunJob, [c.port2]));
}

function diagnosticAt(at: NonNullable<RunError['at']>): Diagnostic {
  const doc = editor.state.doc;
  const lineNo = Math.min(Math.max(1, at.line), doc.lines);
  const line = doc.line(lineNo);
  const from = Math.min(line.from + Math.max(0, at.col - 1), line.to);
  // Underline the word at the error, or at least one character.
  const rest = doc.sliceString(from, line.to);
  const len = Math.max(1, /^[^\s,:}\]]*/.exec(rest)![0].length);
  return { from, to: Math.min(line.to, from + len) || from, severity: 'error', message: at.detail, source: 'patlab' };
}

function showError(r: RunError): void {
  const out = $('#out');
  if (r.at) {
    editor.dispatch(setDiagnostics(editor.state, [diagnosticAt(r.at)]));
    setStatus('error', `line ${r.at.line}, column ${r.at.col}: ${r.at.detail}`, r.at.line, r.at.col);
  } else {
    editor.dispatch(setDiagnostics(editor.state, []));
    setStatus('error', r.message);
  }
  out.classList.add('stale');
  document.body.dataset['state'] = 'error';
}

function showResult(r: RunResult, text: string): void {
  const out = $('#out');
  editor.dispatch(setDiagnostics(editor.state, []));
  out.innerHTML = r.html;
  out.classList.remove('stale');
  installStrips(out, stripHtml);
  stats.shown.push(r.name);
  const m = machineOf(text);
  const sel = $<HTMLSelectElement>('#machine');
  sel.value = m && presetNames().includes(m) ? m : '';
  setStatus('ok', `${r.name}: ${r.designs} designs in ${r.computeMs.toFixed(0)} ms`);
  document.body.dataset['state'] = 'ok';
  document.body.dataset['run'] = String(r.seq);
}

function onReply(r: Reply): void {
  if (!inFlight || r.seq !== inFlight.seq) return; // an older job's: it was superseded
  if (r.type === 'progress') {
    inFlight.progress[r.part] = r.done;
    const done = inFlight.progress.reduce((a, b) => a + b, 0);
    document.body.dataset['progress'] = `${done}/${r.total}`;
    setStatus('running', `${r.name}: ${done} of ${r.total} designs${done < r.total ? '' : ', rendering'}…`);
    return;
  }
  const job = inFlight;
  inFlight = null;
  // A failure while running may leave other parts computing: start afresh rather than queue behind them.
  if (r.type === 'error' && !r.early) stopPool();
  delete document.body.dataset['progress'];
  if (r.type === 'result') showResult(r, jobText.get(r.seq) ?? '');
  else if (r.type === 'error') showError(r);
  jobText.delete(r.seq);
  job.done();
}

/** The text each run job was sent with (for the machine picker once it answers). */
const jobText = new Map<number, string>();

/** Run the editor's text under the chosen designs; resolves when it is shown, or superseded by a newer run. */
export function run(): Promise<void> {
  clearTimeout(timer);
  const seq = ++runSeq;
  const text = editor.state.doc.toString();
  const spec = policiesSpec();
  document.body.dataset['state'] = 'running';
  void writeHash(text, spec);
  jobText.clear();
  jobText.set(seq, text);
  const designs = policyChecks().filter((c) => c.checked).length;
  return new Promise((done) => submit({ type: 'run', seq, text, policies: spec }, designs, done));
}

function schedule(): void {
  clearTimeout(timer);
  document.body.dataset['state'] = 'pending';
  timer = setTimeout(() => void run(), DEBOUNCE_MS);
}

/**
 * Every built-in example under every design, timed, in workers of its own (the
 * verdict's numbers without the views' detail, as `npm start` computes them):
 * `parts` of them (default: one per core, as a job uses), each running its
 * share of the designs. `ms` is the longest part's computation, `wallMs` adds
 * the workers' start (for the browser test's speed note).
 */
async function runSuite(parts = partsFor(POLICIES.length)): Promise<{ ms: number; wallMs: number; parts: number; scenarios: number; policies: number; runs: number }> {
  const t0 = performance.now();
  const replies = await Promise.all(
    Array.from(
      { length: parts },
      (_, part) =>
        new Promise<SuiteResult>((resolve, reject) => {
          const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
          w.onmessage = (e: MessageEvent<Reply>) => {
            if (e.data.type !== 'suite') return;
            w.terminate();
            resolve(e.data);
          };
          w.onerror = (e) => {
            w.terminate();
            reject(new Error(e.message));
          };
          w.postMessage({ type: 'suite', seq: 0, part, parts } satisfies Job);
        }),
    ),
  );
  const sum = (f: (r: SuiteResult) => number): number => replies.reduce((n, r) => n + f(r), 0);
  return { ms: Math.max(...replies.map((r) => r.ms)), wallMs: performance.now() - t0, parts, scenarios: replies[0]!.scenarios, policies: sum((r) => r.policies), runs: sum((r) => r.runs) };
}

/* ---------- page setup ---------- */

function setText(text: string): void {
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
}

async function main(): Promise<void> {
  const style = document.createElement('style');
  style.textContent = VIEW_CSS;
  document.head.appendChild(style);

  const exSel = $<HTMLSelectElement>('#example');
  exSel.innerHTML = '<option value="">(choose an example)</option>' + EXAMPLES.map((e, i) => `<option value="${i}">${e.name.replace(/</g, '&lt;')}</option>`).join('');
  $('#examples-source').textContent = SOURCE;
  const mSel = $<HTMLSelectElement>('#machine');
  mSel.innerHTML = '<option value="">(as in the scenario)</option>' + presetNames().map((n) => `<option value="${n}">${n}</option>`).join('');
  $('#policies-list').innerHTML = POLICIES.map(
    (p) => `<label title="${p.name}"><input type="checkbox" value="${p.name}" checked> ${p.name}</label>`,
  ).join('');

  const state = await readHash();
  const fallback = EXAMPLES.find((e) => DEFAULT_EXAMPLE.test(e.name)) ?? EXAMPLES[0];
  const initial = state.yaml ?? fallback?.yaml ?? 'name: empty\nmachine: desktop-x86-64\nsteps: []\n';
  if (!state.yaml && fallback) exSel.value = String(EXAMPLES.indexOf(fallback));
  if (state.policies) setPolicies(state.policies);

  editor = new EditorView({
    doc: initial,
    parent: $('#editor'),
    extensions: [
      basicSetup,
      yaml(),
      EditorView.lineWrapping,
      lintGutter(),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) schedule();
      }),
    ],
  });

  exSel.addEventListener('change', () => {
    const ex = EXAMPLES[Number(exSel.value)];
    if (exSel.value !== '' && ex) setText(ex.yaml);
  });
  mSel.addEventListener('change', () => {
    if (mSel.value) setText(withMachine(editor.state.doc.toString(), mSel.value));
  });
  $('#policies').addEventListener('change', () => schedule());
  $('#all-policies').addEventListener('click', () => {
    setPolicies('all');
    schedule();
  });
  $('#baseline-only').addEventListener('click', () => {
    setPolicies('baseline');
    schedule();
  });

  await run();
  (window as unknown as { patlab: unknown }).patlab = { run, runSuite, encodeText, decodeText, examples: EXAMPLES.map((e) => e.name), stats };
  document.body.dataset['ready'] = '1';
}

void main().catch((e: unknown) => {
  setStatus('error', `page failed to start: ${e instanceof Error ? e.message : String(e)}`);
  throw e;
});

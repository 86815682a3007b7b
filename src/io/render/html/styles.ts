/**
 * The stylesheet of the comparison views, inlined into the report and
 * injected by the interactive page, so both look the same. System fonts
 * only: the report must open with no network.
 */
export const VIEW_CSS = `
:root { --ink:#1b1b1b; --muted:#6b6b6b; --line:#d9d9d9; --bg:#fff; --soft:#f5f6f8; --bad:#b3000c; --warn:#a35400; --good:#1a7f37; }
.pl-views, .pl-report { color:var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
.pl-report { max-width: 1200px; margin: 0 auto; padding: 12px 16px 48px; }
.pl-views h2 { margin: 28px 0 4px; font-size: 1.35em; border-bottom: 2px solid var(--line); padding-bottom: 2px; overflow-wrap:anywhere; }
.pl-views h3 { margin: 22px 0 6px; font-size: 1.08em; }
.pl-views h4 { margin: 14px 0 4px; font-size: .95em; color: #333; }
.pl-views .desc { margin: 4px 0 8px; color:#333; }
.pl-views .hint { color: var(--muted); font-size: .86em; margin: 2px 0 6px; }
.pl-views .muted { color: var(--muted); }
.pl-views .ok { color: var(--good); } .pl-views .bad { color: var(--bad); font-weight: 600; } .pl-views .warn { color: var(--warn); }
.facts { display:flex; flex-wrap:wrap; gap: 2px 18px; margin: 6px 0; }
.facts dt { font-weight:600; color: var(--muted); font-size:.85em; text-transform: uppercase; letter-spacing:.03em; }
.facts dd { margin: 0 10px 0 4px; }
.facts div { display:flex; align-items: baseline; gap: 4px; }
.verdict { margin: 8px 0; padding: 8px 12px 8px 28px; background: var(--soft); border-radius: 6px; }
.verdict li { margin: 2px 0; }
.verdict ul { padding-left: 18px; }
.designs dt { font-weight: 600; margin-top: 6px; }
.designs dd { margin: 0 0 0 18px; }
.verdict .v-good::marker { content: "✓ "; color: var(--good); }
.verdict .v-bad::marker { content: "✗ "; color: var(--bad); }
.verdict .v-warn::marker { content: "! "; color: var(--warn); }
.verdict .v-muted { color: var(--muted); }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table.cmp { border-collapse: collapse; width: 100%; font-size: .9em; }
table.cmp th, table.cmp td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
table.cmp thead th { background: var(--soft); font-weight: 600; vertical-align: bottom; }
table.cmp th small { font-weight: 400; color: var(--muted); }
table.cmp .sticky { position: sticky; left: 0; background: #fff; z-index: 1; border-right: 1px solid var(--line); }
table.cmp thead .sticky { background: var(--soft); }
table.cmp td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.cmp td.zero { color: #aaa; }
table.cmp tr.not-run td, table.cmp tr.not-run th { color: var(--muted); }
table.cmp td.not-run { white-space: normal; }
td.cell-high { background: #fde0dd; color: var(--bad); font-weight: 600; }
td.cell-medium { background: #fff3e0; }
.chip { display:inline-block; min-width: 2.4em; text-align:center; padding: 0 5px; border-radius: 4px; font-weight: 600; font-size: .92em; }
.req { font-size: .8em; padding: 0 3px; border-radius: 3px; border: 1px solid #ccc; color: #444; }
.req.bad { border-color: var(--bad); color: var(--bad); background: #fff5f5; }
.charts { display: flex; flex-wrap: wrap; gap: 8px 18px; }
.chart { margin: 0; max-width: 100%; overflow-x: auto; }
.chart svg { display:block; max-width: 100%; height: auto; font-family: sans-serif; }
.legend { display:flex; flex-wrap: wrap; gap: 4px 12px; font-size: .85em; margin: 4px 0; }
.legend .lg i { display:inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -2px; margin-right: 4px; border: 1px solid rgba(0,0,0,.15); }
.zoom-buttons { display:flex; flex-wrap: wrap; gap: 4px; margin: 4px 0; }
.zoom-buttons button { font: inherit; font-size: .8em; padding: 1px 6px; border: 1px solid var(--line); background: #fff; border-radius: 4px; cursor: pointer; }
.zoom-buttons button:hover { background: var(--soft); }
.strip-window { font-size: .82em; color: var(--muted); margin: 2px 0; }
.strip-axis { position: relative; height: 16px; margin-left: 110px; font-size: 10px; color: var(--muted); border-bottom: 1px solid var(--line); }
.strip-axis .tick, .lane-track .tick { position: absolute; top: 0; transform: translateX(-50%); white-space: nowrap; }
.strip-axis .tick:first-child { transform: none; }
.strip-axis .tick:last-child:not(:first-child) { transform: translateX(-100%); }
.strip-policy { margin: 3px 0 6px; }
.strip-name { font-size: .85em; font-weight: 600; }
.strip-row { display: flex; align-items: center; height: 14px; }
.strip-label { flex: 0 0 110px; font-size: 10px; color: var(--muted); text-align: right; padding-right: 6px; box-sizing: border-box; overflow: hidden; white-space: nowrap; }
.strip-bars { flex: 1 1 auto; height: 11px; width: 100%; background: ${'#e0e0e0'}; cursor: crosshair; touch-action: none; }
details.policy { border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; margin: 6px 0; }
details.policy > summary { cursor: pointer; padding: 2px 0; }
.pfn-lanes { margin: 6px 0 12px; }
.pfn-head { font-size: .9em; margin-bottom: 2px; }
.sev { font-size: .8em; padding: 0 4px; border-radius: 3px; color: #fff; }
.sev-high { background: #cb181d; } .sev-medium { background: #fe9929; color: #111; }
.lane { display: flex; align-items: center; min-height: 20px; }
.lane-label { flex: 0 0 180px; font-size: .8em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding-right: 6px; box-sizing: border-box; }
.lane-track { position: relative; flex: 1 1 auto; height: 18px; background: var(--soft); }
.lane-axis .lane-track { background: none; height: 14px; font-size: 10px; color: var(--muted); }
.lane-bar { position: absolute; top: 2px; height: 14px; font-size: 10.5px; line-height: 14px; padding: 0 4px; box-sizing: border-box; white-space: nowrap; overflow: hidden; border-radius: 2px; }
.lane-bar.lane-unknown { background-image: repeating-linear-gradient(135deg, rgba(255,255,255,.45) 0 4px, transparent 4px 8px); }
.lane-bar.lane-changed { outline: 2px solid var(--bad); outline-offset: -2px; }
.lane-step { flex: 0 0 56px; font-size: .75em; color: var(--muted); padding-left: 6px; }
ol.timeline { list-style: none; padding-left: 0; margin: 4px 0; font-size: .88em; }
ol.timeline li { padding: 2px 0; border-bottom: 1px dotted var(--line); overflow-wrap: anywhere; }
ol.timeline code { font-size: .95em; }
.step-n { color: var(--muted); }
pre.msgs { margin: 2px 0 2px 18px; padding: 3px 6px; background: #fbfbf6; border-left: 3px solid #e3e0c8; font-size: .86em; white-space: pre-wrap; overflow-wrap: anywhere; }
.badge { display:inline-block; font-size: .78em; padding: 0 5px; border-radius: 8px; border: 1px solid var(--line); margin-left: 2px; }
.b-high { background:#fde0dd; border-color:#cb181d; color: var(--bad); }
.b-medium { background:#fff3e0; border-color:#fe9929; }
.b-downgrade { background:#efe7f6; border-color:#6a3d9a; }
.b-warn { background:#fff3e0; border-color:#a35400; }
.b-fatal { background:#b3000c; color:#fff; }
.b-map { background: #eef5fb; }
.scroll-x { overflow-x: auto; max-width: 100%; }
table.small { border-collapse: collapse; font-size: .85em; margin: 4px 0; }
table.small th, table.small td { border-bottom: 1px solid var(--line); padding: 2px 6px; text-align: left; }
.report-head { border-bottom: 3px solid #333; margin-bottom: 8px; }
.report-head h1 { margin: 8px 0 2px; font-size: 1.5em; }
.toc { font-size: .9em; columns: 2 260px; }
@media (max-width: 640px) {
  .pl-report { padding: 8px; }
  .strip-axis { margin-left: 70px; }
  .strip-label { flex-basis: 70px; }
  .lane-label { flex-basis: 90px; }
  .lane-step { flex-basis: 44px; }
  table.cmp th, table.cmp td { padding: 3px 5px; }
}
`;

/**
 * The report's only stylesheet, inlined into the page. System fonts only:
 * the page must open offline and make no request of any kind.
 */
export const REPORT_CSS = `
:root {
  --ink: #1f2328; --muted: #59636e; --faint: #8c959f; --line: #d1d9e0; --soft: #eef1f4; --paper: #ffffff; --ground: #f6f8fa;
  --met: #1a7f37; --missed: #cf222e; --none: #8c959f; --accent: #0969da;
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--ground); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  font-variant-numeric: tabular-nums;
}
main { max-width: 1120px; margin: 0 auto; padding: 32px 40px 48px; }
h1 { font-size: 26px; font-weight: 650; margin: 0 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 18px; font-weight: 600; margin: 0 0 4px; }
h3 { font-size: 16px; font-weight: 600; margin: 0; display: flex; gap: 10px; align-items: baseline; }
.meta { margin: 0; color: var(--muted); }
.quick-flag { display: inline-block; margin-left: 8px; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; background: #fff8c5; color: #7d4e00; border: 1px solid #e6d48a; vertical-align: middle; }
.summary { display: flex; gap: 12px; margin: 20px 0 0; flex-wrap: wrap; }
.summary .pill { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; }
.summary .count { font-size: 20px; font-weight: 650; margin-right: 6px; }
.summary .met .count { color: var(--met); }
.summary .missed .count { color: var(--missed); }
.summary .none .count, .summary .skipped .count { color: var(--muted); }
.summary .failed .count { color: var(--missed); }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; margin: 20px 0; }
.card > .lede { margin: 0 0 12px; color: var(--muted); }
.empty { margin: 8px 0 0; color: var(--muted); font-style: italic; }
.legend-row { display: flex; gap: 18px; margin: 0 0 8px; padding: 0; list-style: none; color: var(--muted); font-size: 13px; }
.legend-row li { display: flex; align-items: center; gap: 6px; }
.swatch { width: 14px; height: 10px; border-radius: 2px; display: inline-block; }
.swatch.met { background: var(--met); } .swatch.missed { background: var(--missed); } .swatch.none { background: var(--none); }
.swatch.marker { width: 2px; height: 14px; background: var(--ink); border-radius: 0; }
svg.chart { display: block; overflow: visible; }
svg text { fill: var(--ink); font-size: 13px; }
svg .tick { fill: var(--muted); font-size: 12px; }
svg .axis-title { fill: var(--muted); font-size: 12px; }
svg .grid { stroke: var(--soft); stroke-width: 1; }
svg .grid.axis { stroke: var(--faint); }
svg .bar.met { fill: var(--met); } svg .bar.missed { fill: var(--missed); } svg .bar.none { fill: var(--none); }
svg .goal { stroke: var(--ink); stroke-width: 2.5; stroke-linecap: round; }
svg .cut { stroke: var(--paper); stroke-width: 2.5; fill: none; }
svg .figure { font-weight: 650; }
svg .goal-text { fill: var(--muted); font-size: 12px; }
svg .mark { font-weight: 700; }
svg .mark.met { fill: var(--met); } svg .mark.missed { fill: var(--missed); } svg .mark.none { fill: var(--faint); }
svg .timeline { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
svg .legend-line { stroke-width: 3; stroke-linecap: round; }
svg .legend { font-size: 12px; }
.measures-title { margin: 32px 0 0; }
.measure header { display: flex; justify-content: space-between; align-items: center; margin-bottom: 6px; }
.measure .id { font-size: 13px; font-weight: 700; color: var(--accent); background: #ddf4ff; border-radius: 6px; padding: 1px 7px; }
.measure .description { margin: 0 0 10px; color: var(--muted); }
.measure .note { margin: 0 0 12px; padding: 8px 12px; background: #fff8c5; border-left: 3px solid #d4a72c; border-radius: 4px; }
.measure.status-failed .note { background: #ffebe9; border-left-color: var(--missed); }
.measure.status-skipped { background: #fafbfc; color: var(--muted); }
.measure.status-skipped h3, .measure.status-skipped table { opacity: 0.6; }
.measure.status-skipped .note { background: var(--soft); border-left-color: var(--faint); }
.badge { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; padding: 2px 10px; border-radius: 10px; }
.badge.ok { background: #dafbe1; color: var(--met); }
.badge.skipped { background: var(--soft); color: var(--muted); }
.badge.failed { background: #ffebe9; color: var(--missed); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; table-layout: fixed; }
table th:nth-child(1) { width: 28%; }
.series th:nth-child(2) { width: 10%; }
.series th:nth-child(3), .series th:nth-child(4), .series th:nth-child(5) { width: 12%; }
.checks th:nth-child(2) { width: 22%; }
.checks th:nth-child(3), .checks th:nth-child(4) { width: 12%; }
.checks th:nth-child(4) { text-align: center; }
th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.03em; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--soft); vertical-align: top; }
.num { text-align: right; white-space: nowrap; }
.strong { font-weight: 600; }
.unit { color: var(--muted); white-space: nowrap; }
.runs { color: var(--muted); font-size: 12px; }
.formula { color: var(--muted); }
.verdict { font-weight: 700; text-align: center; }
.verdict.met { color: var(--met); } .verdict.missed { color: var(--missed); } .verdict.none { color: var(--faint); }
.extra { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0 0; font-size: 13px; }
.extra dt { color: var(--muted); }
.extra dd { margin: 0; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
footer { color: var(--faint); font-size: 12px; margin-top: 24px; }
`

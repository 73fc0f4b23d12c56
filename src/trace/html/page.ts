// The viewer page: one self-contained HTML file (inline CSS and script, the trace embedded as
// JSON, no network access) that `swsim view` writes. Layout: a summary bar with the outcome and
// the failure, the canvas (actor lanes over virtual time, then per-server state bands, then the
// LSN plot), and below it the virtualised step list beside the selected step's panel.
import { CLIENT_SCRIPT } from './client_script.ts';
import { PAGE_STYLE } from './style.ts';
import { embedJson, viewData } from './view_data.ts';
import type { Trace } from '../format.ts';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The whole page for `trace`; `title` names it (the trace file). */
export function renderViewerHtml(trace: Trace, title: string): string {
  const data = viewData(trace, title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>swsim view — ${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style></head>
<body>
<header id="bar"><div id="summary"></div><div id="failure" hidden></div><div id="findings" hidden></div>
<div id="controls"><span id="actorFilters"></span>
<label>kind <input id="kindFilter" placeholder="substring, e.g. net.frame or fault" size="22"></label>
<label>text <input id="textFilter" placeholder="in details" size="16"></label>
<button id="fitAll" title="whole run">whole run</button><button id="fitFail" title="around the failure">around failure</button>
<span class="hint">j/k or ↓/↑ next/previous step · f/F next/previous fault · g failure · wheel zoom, drag pan, click select</span></div></header>
<div id="canvasWrap"><canvas id="lanes"></canvas><div id="tip" hidden></div></div>
<div id="legend"></div>
<main><section id="listPane"><div id="listHead"><span id="count"></span></div><div id="list"><div id="spacer"></div><div id="rows"></div></div></section>
<aside id="detail"><p class="muted">Click a step (list or lanes) to see what it did and what it changed.</p></aside></main>
<script id="trace-data" type="application/json">${embedJson(data)}</script>
<script>${CLIENT_SCRIPT}</script>
</body></html>
`;
}

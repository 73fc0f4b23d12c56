// The viewer page's stylesheet (inlined by page.ts): a dark, dense layout — summary bar, canvas,
// list and detail panel — with failure and fault rows marked.
export const PAGE_STYLE = `
*{box-sizing:border-box}
body{margin:0;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#14161a;color:#d8dde3;display:flex;flex-direction:column;height:100vh}
#bar{padding:6px 10px;border-bottom:1px solid #2a2f36;background:#1b1e23}
#summary{font-weight:bold}
#failure{margin-top:4px;padding:4px 8px;background:#4a1218;border:1px solid #c23b4a;border-radius:3px;cursor:pointer;white-space:pre-wrap;max-height:5.5em;overflow:auto}
#findings{margin-top:4px;padding:3px 8px;background:#3d3410;border:1px solid #b89b2a;border-radius:3px;cursor:pointer;max-height:4.5em;overflow:auto;white-space:pre-wrap}
#controls{margin-top:6px;display:flex;flex-wrap:wrap;gap:10px;align-items:center}
#controls input{background:#0f1114;color:#d8dde3;border:1px solid #3a414b;padding:2px 4px;font:inherit}
#controls button{background:#262b33;color:#d8dde3;border:1px solid #3a414b;padding:2px 8px;font:inherit;cursor:pointer}
#actorFilters label{margin-right:6px;white-space:nowrap}
.hint{color:#7d8794}
#canvasWrap{position:relative;flex:none}
#lanes{display:block;width:100%;cursor:crosshair}
#tip{position:absolute;pointer-events:none;background:#000c;border:1px solid #556;padding:3px 6px;max-width:60ch;white-space:pre-wrap}
#legend{padding:2px 10px;color:#9aa4b0;border-bottom:1px solid #2a2f36}
#legend span{margin-right:12px;cursor:pointer;user-select:none}
#legend span.off{opacity:.35;text-decoration:line-through}
main{flex:1;display:flex;min-height:0}
#listPane{flex:3;display:flex;flex-direction:column;min-width:0;border-right:1px solid #2a2f36}
#listHead{padding:2px 8px;color:#7d8794}
#list{flex:1;overflow-y:auto;position:relative}
#spacer{width:1px}
#rows{position:absolute;left:0;right:0;top:0}
.row{height:18px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding:0 6px;cursor:pointer}
.row:hover{background:#222831}
.row.sel{background:#2d4a6b}
.row.fault{color:#ff8f8f}
.row.fail{background:#5a1620;color:#fff;font-weight:bold}
.row .n{color:#7d8794;display:inline-block;width:7ch;text-align:right;margin-right:1ch}
.row .t{color:#7d8794;display:inline-block;width:9ch;text-align:right;margin-right:1ch}
.row .a{display:inline-block;width:7ch}
.row .k{display:inline-block;min-width:18ch;margin-right:1ch}
.row .d{color:#9aa4b0}
#detail{flex:2;overflow:auto;padding:8px 10px;min-width:0}
#detail h3{margin:0 0 6px}
#detail .what{white-space:pre-wrap;background:#1b1e23;padding:4px 6px;border-radius:3px}
#detail table{border-collapse:collapse;margin-top:6px}
#detail td,#detail th{padding:1px 8px 1px 0;text-align:left;vertical-align:top}
#detail .old{color:#c98b8b}#detail .new{color:#8fd19e}
.muted{color:#7d8794}
.failmsg{color:#ff8f8f;white-space:pre-wrap}
details summary{cursor:pointer;margin-top:8px}
`;

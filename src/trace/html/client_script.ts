// The viewer page's script (inlined by page.ts; plain ES2017 for the browser, no libraries, no
// network). It reads the embedded trace columns (view_data.ts), derives from each step detail
// what it carried (messages: sender, receiver, delay) and what state it changed (src/trace/
// detail.ts), and draws: actor lanes on a canvas over virtual time (messages as lines, crashes,
// restarts, pauses and partitions as marks and spans), per-server state bands (role, shipper,
// sender, session phase), the LSN plot, and a virtualised step list (only visible rows exist)
// with filters, keyboard navigation and the selected step's panel (detail, fingerprint, the
// state it changed: before -> after, and the whole replication state at that step).
// Written as a string (no template literals inside) so it ships verbatim in the page.
export const CLIENT_SCRIPT = String.raw`
(function () {
'use strict';
var D = JSON.parse(document.getElementById('trace-data').textContent);
var N = D.t.length;
var ROW = 18, LANE_H = 20, BAND_H = 12, PLOT_H = 150, AXIS_H = 18, LABEL_W = 96;
var SEP = ' | ';
var MSG = /^(\S+)\u2192(\S+) \+(\d+)ms/;

function esc(s) { return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); }
function fmtT(ms) { var s = Math.floor(ms / 1000), r = ms % 1000; return s + '.' + ('00' + r).slice(-3) + 's'; }

// ---- derive: what each step carried, what it changed ---------------------------------------
var WHAT = new Array(N), CHG = new Array(N);
var series = {}, seriesKeys = [];
var laneIndex = {}, lanes = [];
function lane(name) { if (!(name in laneIndex)) { laneIndex[name] = lanes.length; lanes.push(name); } return laneIndex[name]; }
var msgFrom = new Int32Array(N).fill(-1), msgTo = new Int32Array(N).fill(-1), msgDelay = new Int32Array(N);
var isFault = new Uint8Array(N);
for (var i = 0; i < N; i++) {
  var d = D.d[i], j = d.indexOf(SEP), what = j < 0 ? d : d.slice(0, j);
  WHAT[i] = what;
  var ch = null;
  if (j >= 0) {
    ch = [];
    var parts = d.slice(j + SEP.length).split(' ');
    for (var p = 0; p < parts.length; p++) {
      var e = parts[p].indexOf('=');
      if (e <= 0) continue;
      var key = parts[p].slice(0, e), raw = parts[p].slice(e + 1);
      var val = raw === '-' ? null : (/^\d+$/.test(raw) ? Number(raw) : raw);
      ch.push(key);
      var s = series[key];
      if (s === undefined) { s = series[key] = { steps: [], vals: [] }; seriesKeys.push(key); }
      s.steps.push(i); s.vals.push(val);
    }
  }
  CHG[i] = ch;
  var m = MSG.exec(what);
  if (m !== null) { msgFrom[i] = lane(m[1]); msgTo[i] = lane(m[2]); msgDelay[i] = Number(m[3]); }
  var actor = D.actors[D.a[i]], kind = D.kinds[D.k[i]];
  // a fault step that did something (an injector tick that drew nothing is not a fault)
  if ((actor === 'fault' || kind.indexOf('fault') === 0) && what !== '') isFault[i] = 1;
}
for (var a = 0; a < D.actors.length; a++) lane(D.actors[a]);
// Lane order: the fault injector, the master, the client, the servers, then the rest.
function laneRank(n) { return n === 'fault' ? 0 : n === 'master' ? 1 : n === 'client' ? 2 : /^n\d+$/.test(n) ? 3 : n === 'net' ? 4 : 5; }
var order = lanes.slice().sort(function (x, y) { return laneRank(x) - laneRank(y) || (x.length - y.length) || (x < y ? -1 : x > y ? 1 : 0); });
var laneRow = new Int32Array(lanes.length);
order.forEach(function (n, r) { laneRow[laneIndex[n]] = r; });
var actorLane = D.actors.map(function (n) { return laneIndex[n]; });

// The value of a state key after step i (null: absent).
function valueAt(key, i) {
  var s = series[key]; if (s === undefined) return null;
  var lo = 0, hi = s.steps.length - 1, r = -1;
  while (lo <= hi) { var mid = (lo + hi) >> 1; if (s.steps[mid] <= i) { r = mid; lo = mid + 1; } else hi = mid - 1; }
  return r < 0 ? null : s.vals[r];
}

// Fault spans: servers down (nX.up=0), partitions and isolations until their heal, pauses.
var spans = [], marks = [];
(function () {
  var endT = N > 0 ? D.t[N - 1] : 0;
  seriesKeys.forEach(function (key) {
    var m = /^(n\d+)\.up$/.exec(key); if (m === null) return;
    var s = series[key], from = -1;
    for (var q = 0; q < s.steps.length; q++) {
      if (s.vals[q] === 0 && from < 0) from = D.t[s.steps[q]];
      else if (s.vals[q] !== 0 && from >= 0) { spans.push({ lanes: [m[1]], t0: from, t1: D.t[s.steps[q]], kind: 'down' }); from = -1; }
    }
    if (from >= 0) spans.push({ lanes: [m[1]], t0: from, t1: endT, kind: 'down' });
  });
  var open = {};
  for (var i = 0; i < N; i++) {
    if (!isFault[i]) continue;
    var w = WHAT[i].split('; ')[0], t = D.t[i], m;
    if ((m = /^partition (\S+?)(<->|->)(\S+)$/.exec(w)) !== null) open['heal ' + m[1] + '/' + m[3]] = { lanes: [m[1], m[3]], t0: t, kind: 'partition' };
    else if ((m = /^isolate primary (\S+)$/.exec(w)) !== null) open['heal primary ' + m[1]] = { lanes: [m[1]], t0: t, kind: 'partition' };
    else if ((m = /^pause (\S+) for (\d+) ms$/.exec(w)) !== null) spans.push({ lanes: [m[1]], t0: t, t1: t + Number(m[2]), kind: 'pause' });
    else if ((m = /^crash (\S+)/.exec(w)) !== null) marks.push({ lane: m[1], t: t, kind: 'crash', i: i });
    else if ((m = /^restart (\S+)/.exec(w)) !== null) marks.push({ lane: m[1], t: t, kind: 'restart', i: i });
    else if (/epoch bump|promote|failover/.test(w)) marks.push({ lane: 'master', t: t, kind: 'epoch', i: i });
    if (open[w] !== undefined) { var o = open[w]; o.t1 = t; spans.push(o); delete open[w]; }
    if (/heal all/.test(WHAT[i])) { Object.keys(open).forEach(function (k) { open[k].t1 = t; spans.push(open[k]); }); open = {}; }
  }
  Object.keys(open).forEach(function (k) { open[k].t1 = endT; spans.push(open[k]); });
})();

// State bands (role, shipper, sender, session phase per server and peer) and LSN plot series.
var BAND_FIELDS = { role: 0, shp: 1, snd: 2, sph: 3 };
var bandKeys = seriesKeys.filter(function (k) { var m = /^n\d+\.(\w+)/.exec(k); return m !== null && m[1] in BAND_FIELDS; });
bandKeys.sort(function (x, y) {
  var a = x.split('.'), b = y.split('.');
  return (a[0].length - b[0].length) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) || (BAND_FIELDS[a[1]] - BAND_FIELDS[b[1]]) || ((a[2] || '') < (b[2] || '') ? -1 : 1);
});
var PLOT_FIELDS = ['head', 'com', 'cp', 'rcv', 'rfl', 'shf'];
var plotKeys = seriesKeys.filter(function (k) { var m = /^n\d+\.(\w+)/.exec(k); return m !== null && PLOT_FIELDS.indexOf(m[1]) >= 0 && m[1] !== 'shf'; }).sort();
var plotOn = {};
plotKeys.forEach(function (k) { plotOn[k] = !/\.cp$/.test(k) || true; });
var maxLSN = 1;
plotKeys.forEach(function (k) { series[k].vals.forEach(function (v) { if (typeof v === 'number' && v > maxLSN) maxLSN = v; }); });

var STATE_COLOURS = { in_sync: '#3fa34d', primary: '#c9a227', replica: '#3f7fbf', rebuilding: '#9b59b6', none: '#555', disconnected: '#666',
  connecting: '#4f8fd6', catching_up: '#d6b24f', needs_rebuild: '#d64f4f', degraded: '#d6854f', init: '#777', completed: '#3fa34d', invalidated: '#d64f4f' };
function colourOf(v) {
  if (v === null) return null;
  if (STATE_COLOURS[v] !== undefined) return STATE_COLOURS[v];
  var h = 0, s = String(v); for (var q = 0; q < s.length; q++) h = (h * 31 + s.charCodeAt(q)) >>> 0;
  return 'hsl(' + (h % 360) + ',45%,50%)';
}
var NODE_HUES = {};
function seriesColour(key) {
  var m = /^n(\d+)\.(\w+)/.exec(key), node = Number(m[1]);
  var hue = [200, 30, 120, 280, 0, 60][(node - 1) % 6];
  var light = { head: 62, com: 50, cp: 40, rcv: 70, rfl: 55 }[m[2]] || 50;
  return 'hsl(' + hue + ',65%,' + light + '%)';
}
function seriesDash(key) { return /\.(cp|rfl)$/.test(key) ? [4, 3] : /\.com$/.test(key) ? [1, 2] : []; }

/** The index of step number n (steps are numbered 1.. in order, but a trace may start later). */
function stepIndex(n) { var lo = 0, hi = N - 1; while (lo <= hi) { var mid = (lo + hi) >> 1; if (D.step[mid] === n) return mid; if (D.step[mid] < n) lo = mid + 1; else hi = mid - 1; } return -1; }

// ---- failure -----------------------------------------------------------------------------
var failIdx = -1;
if (D.outcome.status === 'fail') {
  for (var q = N - 1; q >= 0; q--) if (D.step[q] === D.outcome.step) { failIdx = q; break; }
  if (failIdx < 0 && N > 0) failIdx = N - 1;
}

// ---- canvas geometry and the time window ----------------------------------------------------
var canvas = document.getElementById('lanes'), ctx = canvas.getContext('2d');
var endT = N > 0 ? D.t[N - 1] : 1;
var win = { t0: 0, t1: Math.max(1, endT) };
var sel = -1;
function lanesH() { return order.length * LANE_H; }
function bandsTop() { return lanesH() + 6; }
function plotTop() { return bandsTop() + bandKeys.length * BAND_H + 8; }
function totalH() { return plotTop() + PLOT_H + AXIS_H; }
function plotW() { return canvas.clientWidth - LABEL_W - 8; }
function xOf(t) { return LABEL_W + (t - win.t0) / (win.t1 - win.t0) * plotW(); }
function tOf(x) { return win.t0 + (x - LABEL_W) / plotW() * (win.t1 - win.t0); }
function firstAtOrAfter(t) { var lo = 0, hi = N; while (lo < hi) { var mid = (lo + hi) >> 1; if (D.t[mid] < t) lo = mid + 1; else hi = mid; } return lo; }

function resize() {
  var dpr = window.devicePixelRatio || 1;
  canvas.style.height = totalH() + 'px';
  canvas.width = Math.floor(canvas.clientWidth * dpr);
  canvas.height = Math.floor(totalH() * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  draw();
}

function draw() {
  var W = canvas.clientWidth, H = totalH();
  ctx.clearRect(0, 0, W, H);
  ctx.font = '11px ui-monospace, monospace';
  drawLanes(W);
  drawBands(W);
  drawPlot(W);
  drawAxis(W, H);
  if (sel >= 0) {
    var x = xOf(D.t[sel]);
    ctx.strokeStyle = '#ffffffaa'; ctx.lineWidth = 1; ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, H - AXIS_H); ctx.stroke();
  }
  if (failIdx >= 0) {
    var fx = xOf(D.t[failIdx]);
    ctx.strokeStyle = '#ff3b4e'; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(fx, 0); ctx.lineTo(fx, H - AXIS_H); ctx.stroke();
    ctx.fillStyle = '#ff3b4e'; ctx.fillText('\u2716 ' + D.outcome.invariant, Math.min(fx + 4, W - 80), 10);
  }
  canvas.dataset.lanes = order.join(',');
  canvas.dataset.window = Math.round(win.t0) + '-' + Math.round(win.t1);
}

function drawLanes(W) {
  order.forEach(function (n, r) {
    var y = r * LANE_H;
    ctx.fillStyle = r % 2 ? '#181b20' : '#1c2026'; ctx.fillRect(0, y, W, LANE_H);
    ctx.fillStyle = n === 'fault' ? '#ff8f8f' : '#c8d0da'; ctx.fillText(n, 6, y + 14);
  });
  spans.forEach(function (s) {
    if (s.t1 < win.t0 || s.t0 > win.t1) return;
    ctx.fillStyle = s.kind === 'down' ? 'rgba(214,79,79,0.35)' : s.kind === 'pause' ? 'rgba(155,89,182,0.35)' : 'rgba(230,150,40,0.30)';
    s.lanes.forEach(function (n) {
      if (!(n in laneIndex)) return;
      var y = laneRow[laneIndex[n]] * LANE_H, x0 = Math.max(LABEL_W, xOf(s.t0)), x1 = Math.min(W, xOf(s.t1));
      ctx.fillRect(x0, y + 1, Math.max(2, x1 - x0), LANE_H - 2);
    });
  });
  var i0 = firstAtOrAfter(win.t0), i1 = firstAtOrAfter(win.t1 + 1), many = i1 - i0 > 4000;
  // messages: a line from the sender's lane at the send time to the receiver's at delivery
  if (!many) {
    ctx.lineWidth = 1;
    for (var i = i0; i < i1; i++) {
      if (msgFrom[i] < 0) continue;
      var y0 = laneRow[msgFrom[i]] * LANE_H + LANE_H / 2, y1 = laneRow[msgTo[i]] * LANE_H + LANE_H / 2;
      ctx.strokeStyle = i === sel ? '#ffffff' : 'rgba(120,170,230,0.45)';
      ctx.beginPath(); ctx.moveTo(xOf(D.t[i] - msgDelay[i]), y0); ctx.lineTo(xOf(D.t[i]), y1); ctx.stroke();
    }
  }
  for (var k = i0; k < i1; k++) {
    var yy = laneRow[actorLane[D.a[k]]] * LANE_H, x = xOf(D.t[k]);
    ctx.fillStyle = isFault[k] ? '#ff5c5c' : '#9fb3c8';
    ctx.fillRect(x, yy + 4, isFault[k] ? 3 : 1, LANE_H - 8);
  }
  marks.forEach(function (m) {
    if (m.t < win.t0 || m.t > win.t1 || !(m.lane in laneIndex)) return;
    var x = xOf(m.t), y = laneRow[laneIndex[m.lane]] * LANE_H + LANE_H / 2;
    ctx.lineWidth = 2;
    if (m.kind === 'crash') { ctx.strokeStyle = '#ff3b3b'; ctx.beginPath(); ctx.moveTo(x - 5, y - 5); ctx.lineTo(x + 5, y + 5); ctx.moveTo(x + 5, y - 5); ctx.lineTo(x - 5, y + 5); ctx.stroke(); }
    else if (m.kind === 'restart') { ctx.fillStyle = '#3fd16b'; ctx.beginPath(); ctx.moveTo(x, y - 6); ctx.lineTo(x + 6, y + 5); ctx.lineTo(x - 6, y + 5); ctx.fill(); }
    else { ctx.fillStyle = '#e8c547'; ctx.beginPath(); ctx.moveTo(x, y - 6); ctx.lineTo(x + 5, y); ctx.lineTo(x, y + 6); ctx.lineTo(x - 5, y); ctx.fill(); }
  });
}

function drawBands(W) {
  var top = bandsTop();
  bandKeys.forEach(function (key, r) {
    var y = top + r * BAND_H, s = series[key];
    ctx.fillStyle = '#7d8794'; ctx.fillText(key, 4, y + 10);
    for (var q = 0; q < s.steps.length; q++) {
      var t0 = D.t[s.steps[q]], t1 = q + 1 < s.steps.length ? D.t[s.steps[q + 1]] : endT;
      if (t1 < win.t0 || t0 > win.t1) continue;
      var c = colourOf(s.vals[q]); if (c === null) continue;
      var x0 = Math.max(LABEL_W, xOf(t0)), x1 = Math.min(W, xOf(t1));
      ctx.fillStyle = c; ctx.fillRect(x0, y + 1, Math.max(1, x1 - x0), BAND_H - 2);
      if (x1 - x0 > 60) { ctx.fillStyle = '#000'; ctx.fillText(String(s.vals[q]).slice(0, Math.floor((x1 - x0) / 7)), x0 + 2, y + 10); }
    }
  });
}

function drawPlot(W) {
  var top = plotTop();
  ctx.fillStyle = '#101216'; ctx.fillRect(LABEL_W, top, W - LABEL_W, PLOT_H);
  ctx.fillStyle = '#7d8794'; ctx.fillText('LSN', 6, top + 12); ctx.fillText(String(maxLSN), 6, top + 26); ctx.fillText('0', 6, top + PLOT_H - 2);
  function yOf(v) { return top + PLOT_H - 4 - v / maxLSN * (PLOT_H - 10); }
  plotKeys.forEach(function (key) {
    if (!plotOn[key]) return;
    var s = series[key];
    ctx.strokeStyle = seriesColour(key); ctx.setLineDash(seriesDash(key)); ctx.lineWidth = 1.5;
    ctx.beginPath();
    var pen = false;
    for (var q = 0; q < s.steps.length; q++) {
      var t0 = D.t[s.steps[q]], t1 = q + 1 < s.steps.length ? D.t[s.steps[q + 1]] : endT, v = s.vals[q];
      if (t1 < win.t0 || t0 > win.t1 || typeof v !== 'number') { pen = false; continue; }
      var x0 = Math.max(LABEL_W, xOf(t0)), x1 = Math.min(W, xOf(t1)), y = yOf(v);
      if (pen) ctx.lineTo(x0, y); else ctx.moveTo(x0, y);
      ctx.lineTo(x1, y); pen = true;
    }
    ctx.stroke();
  });
  ctx.setLineDash([]);
}

function drawAxis(W, H) {
  var y = H - AXIS_H, span = win.t1 - win.t0, stepMs = Math.pow(10, Math.floor(Math.log10(Math.max(1, span / 8))));
  if (span / stepMs > 16) stepMs *= 5; else if (span / stepMs > 8) stepMs *= 2;
  ctx.fillStyle = '#7d8794'; ctx.strokeStyle = '#2a2f36';
  for (var t = Math.ceil(win.t0 / stepMs) * stepMs; t <= win.t1; t += stepMs) {
    var x = xOf(t); ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, y); ctx.stroke(); ctx.fillText(fmtT(t), x + 2, y + 13);
  }
}

// ---- interaction on the canvas ------------------------------------------------------------
function nearestStep(x, y) {
  var t = tOf(x), tol = 5 * (win.t1 - win.t0) / plotW();
  var i0 = firstAtOrAfter(t - tol), i1 = firstAtOrAfter(t + tol + 1), row = Math.floor(y / LANE_H), best = -1, bd = Infinity;
  for (var i = i0; i < i1; i++) {
    if (y < lanesH() && laneRow[actorLane[D.a[i]]] !== row) continue;
    if (!passes(i)) continue;
    var dd = Math.abs(D.t[i] - t); if (dd < bd) { bd = dd; best = i; }
  }
  return best;
}
var drag = null;
canvas.addEventListener('mousedown', function (e) { drag = { x: e.offsetX, t0: win.t0, t1: win.t1, moved: false }; });
window.addEventListener('mouseup', function (e) {
  if (drag !== null && !drag.moved && e.target === canvas) { var i = nearestStep(e.offsetX, e.offsetY); if (i >= 0) select(i); }
  drag = null;
});
canvas.addEventListener('mousemove', function (e) {
  if (drag !== null) {
    var dx = e.offsetX - drag.x; if (Math.abs(dx) > 3) drag.moved = true;
    var dt = dx / plotW() * (drag.t1 - drag.t0); setWindow(drag.t0 - dt, drag.t1 - dt); return;
  }
  var tip = document.getElementById('tip'), i = nearestStep(e.offsetX, e.offsetY);
  if (i < 0) { tip.hidden = true; return; }
  tip.hidden = false; tip.style.left = Math.min(e.offsetX + 12, canvas.clientWidth - 300) + 'px'; tip.style.top = (e.offsetY + 12) + 'px';
  tip.textContent = '#' + D.step[i] + ' ' + fmtT(D.t[i]) + ' ' + D.actors[D.a[i]] + ' ' + D.kinds[D.k[i]] + '\n' + D.d[i].slice(0, 300);
});
canvas.addEventListener('mouseleave', function () { document.getElementById('tip').hidden = true; });
canvas.addEventListener('wheel', function (e) {
  e.preventDefault();
  var t = tOf(e.offsetX), f = e.deltaY > 0 ? 1.25 : 0.8;
  setWindow(t - (t - win.t0) * f, t + (win.t1 - t) * f);
}, { passive: false });
function setWindow(t0, t1) {
  var span = Math.max(5, Math.min(t1 - t0, Math.max(1, endT) * 1.1));
  if (t0 < -span * 0.05) t0 = -span * 0.05;
  win.t0 = t0; win.t1 = t0 + span; draw();
}

// ---- filters and the virtualised list -------------------------------------------------------
var actorOn = D.actors.map(function () { return true; });
var kindText = '', detailText = '';
function passes(i) {
  if (!actorOn[D.a[i]]) return false;
  if (kindText !== '' && D.kinds[D.k[i]].indexOf(kindText) < 0) return false;
  if (detailText !== '' && D.d[i].indexOf(detailText) < 0) return false;
  return true;
}
var F = new Int32Array(N), FN = 0;
function refilter() {
  FN = 0; for (var i = 0; i < N; i++) if (passes(i)) F[FN++] = i;
  document.getElementById('count').textContent = FN + ' of ' + N + ' steps shown';
  document.getElementById('spacer').style.height = (FN * ROW) + 'px';
  renderRows(); draw();
}
var list = document.getElementById('list'), rows = document.getElementById('rows');
function posInF(i) { var lo = 0, hi = FN - 1; while (lo <= hi) { var mid = (lo + hi) >> 1; if (F[mid] === i) return mid; if (F[mid] < i) lo = mid + 1; else hi = mid - 1; } return -1 - lo; }
function renderRows() {
  var first = Math.max(0, Math.floor(list.scrollTop / ROW) - 5), last = Math.min(FN, first + Math.ceil(list.clientHeight / ROW) + 10), html = '';
  for (var r = first; r < last; r++) {
    var i = F[r], cls = 'row' + (i === sel ? ' sel' : '') + (isFault[i] ? ' fault' : '') + (i === failIdx ? ' fail' : '');
    html += '<div class="' + cls + '" data-i="' + i + '"><span class="n">' + D.step[i] + '</span><span class="t">' + fmtT(D.t[i]) + '</span><span class="a">' + esc(D.actors[D.a[i]]) +
      '</span><span class="k">' + esc(D.kinds[D.k[i]]) + '</span><span class="d">' + esc(D.d[i].slice(0, 400)) + '</span></div>';
  }
  rows.style.top = (first * ROW) + 'px'; rows.innerHTML = html;
}
list.addEventListener('scroll', renderRows);
rows.addEventListener('click', function (e) { var el = e.target.closest('.row'); if (el) select(Number(el.dataset.i)); });

// ---- selection and the step panel -----------------------------------------------------------
function select(i) {
  sel = i;
  var t = D.t[i];
  if (t < win.t0 || t > win.t1) { var span = win.t1 - win.t0; setWindow(t - span / 2, t + span / 2); }
  var r = posInF(i);
  if (r >= 0) {
    var y = r * ROW;
    if (y < list.scrollTop || y > list.scrollTop + list.clientHeight - ROW) list.scrollTop = Math.max(0, y - list.clientHeight / 2);
  }
  renderRows(); draw(); showDetail(i);
}
function showDetail(i) {
  var el = document.getElementById('detail'), html = '';
  html += '<h3>step ' + D.step[i] + ' \u00b7 ' + fmtT(D.t[i]) + ' \u00b7 ' + esc(D.actors[D.a[i]]) + ' \u00b7 ' + esc(D.kinds[D.k[i]]) + '</h3>';
  if (i === failIdx) html += '<p class="failmsg">FAIL ' + esc(D.outcome.invariant) + ': ' + esc(D.outcome.message || '') + '</p>';
  html += '<div>fingerprint <code id="fp">' + esc(D.fp[i]) + '</code>' + (i > 0 && D.fp[i] === D.fp[i - 1] ? ' <span class="muted">(unchanged)</span>' : '') + '</div>';
  html += '<p>what it carried and did:</p><div class="what" id="what">' + (WHAT[i] === '' ? '<span class="muted">(no detail)</span>' : esc(WHAT[i])) + '</div>';
  if (msgFrom[i] >= 0) html += '<p>message ' + esc(lanes[msgFrom[i]]) + ' \u2192 ' + esc(lanes[msgTo[i]]) + ', sent at ' + fmtT(D.t[i] - msgDelay[i]) + ' (' + msgDelay[i] + ' ms in flight)</p>';
  var ch = CHG[i];
  if (ch !== null && ch.length > 0) {
    html += '<p>state it changed:</p><table id="changes"><tr><th>key</th><th>before</th><th>after</th></tr>';
    ch.forEach(function (k) {
      var b = valueAt(k, i - 1), a = valueAt(k, i);
      html += '<tr><td>' + esc(k) + '</td><td class="old">' + esc(b === null ? '\u2014' : b) + '</td><td class="new">' + esc(a === null ? '\u2014' : a) + '</td></tr>';
    });
    html += '</table>';
  } else html += '<p class="muted">no replication state changed</p>';
  html += '<details><summary>replication state after this step</summary><table>';
  seriesKeys.slice().sort().forEach(function (k) { var v = valueAt(k, i); if (v !== null) html += '<tr><td>' + esc(k) + '</td><td>' + esc(v) + '</td></tr>'; });
  html += '</table></details>';
  el.innerHTML = html;
}

// ---- keyboard -------------------------------------------------------------------------------
function nextFiltered(dir) {
  if (FN === 0) return;
  if (sel < 0) { select(F[dir > 0 ? 0 : FN - 1]); return; }
  var p = posInF(sel), q = p >= 0 ? p + dir : (dir > 0 ? -1 - p : -2 - p);
  if (q >= 0 && q < FN) select(F[q]);
}
function nextFault(dir) {
  for (var i = sel + dir; i >= 0 && i < N; i += dir) if (isFault[i] && passes(i)) { select(i); return; }
  for (var k = sel + dir; k >= 0 && k < N; k += dir) if (isFault[k]) { select(k); return; }
}
document.addEventListener('keydown', function (e) {
  if (e.target.tagName === 'INPUT') return;
  if (e.key === 'j' || e.key === 'ArrowDown') { e.preventDefault(); nextFiltered(1); }
  else if (e.key === 'k' || e.key === 'ArrowUp') { e.preventDefault(); nextFiltered(-1); }
  else if (e.key === 'f') nextFault(1);
  else if (e.key === 'F') nextFault(-1);
  else if (e.key === 'g' && failIdx >= 0) select(failIdx);
});

// ---- page chrome ---------------------------------------------------------------------------
function aroundFailure() {
  if (failIdx < 0) { setWindow(0, endT); return; }
  var t = D.t[failIdx], span = Math.max(200, Math.min(endT, 3000));
  setWindow(t - span * 0.85, t + span * 0.15);
}
(function () {
  var h = D.header, o = D.outcome;
  document.getElementById('summary').textContent = D.title + ' \u2014 seed ' + h.seed + ' \u00b7 profile ' + h.profile + ' \u00b7 control ' + h.control +
    ' \u00b7 bugs [' + (h.bugs || []).join(', ') + '] \u00b7 ' + N + ' steps \u00b7 ' + fmtT(endT) + ' \u00b7 ' + o.status + (o.status === 'fail' ? '' : ' after ' + o.steps + ' steps');
  var fe = document.getElementById('failure');
  if (o.status === 'fail') {
    fe.hidden = false;
    fe.textContent = 'FAIL ' + o.invariant + ' at step ' + o.step + ': ' + (o.message || '') + '   (click or press g)';
    fe.addEventListener('click', function () { select(failIdx); });
  }
  if (o.findings && o.findings.length > 0) {
    var fd = document.getElementById('findings');
    fd.hidden = false;
    o.findings.forEach(function (f) {
      var line = document.createElement('div');
      line.textContent = 'finding ' + f.invariant + ' at step ' + f.step + ': ' + f.message;
      line.addEventListener('click', function () { var q = stepIndex(f.step); if (q >= 0) select(q); });
      fd.appendChild(line);
    });
  }
  var af = document.getElementById('actorFilters');
  D.actors.map(function (n, i) { return [n, i]; }).sort(function (x, y) { return laneRow[laneIndex[x[0]]] - laneRow[laneIndex[y[0]]]; }).forEach(function (p) {
    var l = document.createElement('label'), c = document.createElement('input');
    c.type = 'checkbox'; c.checked = true; c.dataset.actor = p[0];
    c.addEventListener('change', function () { actorOn[p[1]] = c.checked; refilter(); });
    l.appendChild(c); l.appendChild(document.createTextNode(' ' + p[0])); af.appendChild(l);
  });
  document.getElementById('kindFilter').addEventListener('input', function (e) { kindText = e.target.value.trim(); refilter(); });
  document.getElementById('textFilter').addEventListener('input', function (e) { detailText = e.target.value.trim(); refilter(); });
  document.getElementById('fitAll').addEventListener('click', function () { setWindow(0, endT); });
  document.getElementById('fitFail').addEventListener('click', aroundFailure);
  var lg = document.getElementById('legend');
  lg.innerHTML = '<b>LSNs</b> (solid head/received, dotted committed, dashed checkpoint/flushed; click to toggle): ';
  plotKeys.forEach(function (k) {
    var sp = document.createElement('span'); sp.textContent = '\u25a0 ' + k; sp.style.color = seriesColour(k);
    sp.addEventListener('click', function () { plotOn[k] = !plotOn[k]; sp.className = plotOn[k] ? '' : 'off'; draw(); });
    lg.appendChild(sp);
  });
  window.addEventListener('resize', resize);
  refilter();
  aroundFailure();
  resize();
  if (failIdx >= 0) select(failIdx);
  window.__swsimView = { select: select, selected: function () { return sel; }, failIdx: failIdx, lanes: order, bands: bandKeys, plot: plotKeys, steps: N };
  document.body.dataset.ready = '1';
})();
})();
`;

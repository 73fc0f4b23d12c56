// `npm run bench:engine-check`: the engine model checker (src/explore/engine_check.ts) at the
// default bound (`swsim check engine` defaults: depth 4, replicas 2, epochs 3, lsns 6) on one core,
// with and without the partial-order reduction: distinct states/s, transitions/s, bytes per visited
// state — (fingerprint table bytes + path link bytes + peak sleep-set bytes) / distinct states, each printed — replays,
// peak RSS, and the POR reduction factor (transitions without / with; the distinct states are the same). Rates are per
// CPU second of this process (the middle of --rounds runs), since the machine may be shared. A benchmark,
// not a test: wall-clock reads are allowed here (reporting only).
// Usage: tsx bench/engine_check.ts [--depth N] [--replicas N] [--epochs N] [--lsns N] [--rounds N]
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { checkEngine } from '../src/explore/engine_check.ts';
import type { EngineCheckResult } from '../src/explore/engine_check.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v < 1) {
    process.stderr.write('usage: tsx bench/engine_check.ts [--depth N] [--replicas N] [--epochs N] [--lsns N] [--rounds N]\n');
    process.exit(2);
  }
  return v;
}

const bounds = { depth: flag('depth', 4), replicas: flag('replicas', 2), epochs: flag('epochs', 3), lsns: flag('lsns', 6) };
const rounds = flag('rounds', 3);

interface Run {
  readonly result: EngineCheckResult;
  readonly ms: number;
  /** CPU time of this process (user + system) during the run: less disturbed than wall time on a shared machine. */
  readonly cpuMs: number;
}

function run(por: boolean): Run {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = checkEngine({ ...bounds, bugs: {}, por });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { result, ms, cpuMs: (c.user + c.system) / 1000 };
}

/** The middle of `rounds` runs by CPU time (the machine is shared). */
function measure(por: boolean): Run {
  const runs = Array.from({ length: rounds }, () => run(por)).sort((a, b) => a.cpuMs - b.cpuMs);
  return runs[Math.floor(runs.length / 2)]!;
}

run(true); // warm the JIT
const full = measure(false);
const reduced = measure(true);
for (const [name, r] of [['no POR', full], ['POR (default)', reduced]] as const) {
  const x = r.result;
  if (x.violation !== null) throw new Error(`unexpected violation ${x.violation.invariant}`);
  const s = r.cpuMs / 1000;
  process.stdout.write(
    `${name.padEnd(14)} ${x.states} states, ${x.transitions} transitions (${x.pruned} pruned) in ${r.cpuMs.toFixed(0)} ms CPU (${r.ms.toFixed(0)} ms wall): ` +
      `${Math.round(x.states / s)} states/s, ${Math.round(x.transitions / s)} transitions/s; ${x.replays} replays; ` +
      `${x.bytesPerState.toFixed(1)} B/state = (table ${x.tableBytes} B + links ${x.linkBytes} B + sleep sets ${x.sleepBytes} B) / ${x.states} states\n`,
  );
}
if (full.result.states !== reduced.result.states) throw new Error('POR changed the distinct state count');
process.stdout.write(
  `bounds depth ${bounds.depth}, replicas ${bounds.replicas}, epochs ${bounds.epochs}, lsns ${bounds.lsns}; ` +
    `POR reduction: transitions ${(full.result.transitions / reduced.result.transitions).toFixed(2)}x, states 1.00x (sleep sets keep every state); ` +
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`,
);

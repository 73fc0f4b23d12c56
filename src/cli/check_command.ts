// `swsim check engine`: the engine model checker (src/explore/engine_check.ts). Explores every
// sequence of engine calls up to --depth breadth-first, checks I1-I27 after every call, and prints
// per-level statistics and either "no violation up to depth N" (exit 0) or the shortest
// counterexample as an engine script (exit 1), which `swsim engine --check FILE` replays.
// With a scenario file as target it runs the bounded search over the scenario's choices instead
// (check_scenario.ts). Wall-clock use (states/s) stays here in src/cli.
import { writeFileSync } from 'node:fs';
import { ENGINE_BUGS } from '../engine/context.ts';
import type { EngineBugId } from '../engine/context.ts';
import { checkEngine } from '../explore/engine_check.ts';
import { parseArgs, UsageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';
import { DEFAULT_DEVIATIONS, runCheckScenario, SCENARIO_ONLY } from './check_scenario.ts';

export const CHECK: CommandSpec = {
  name: 'check',
  args: 'engine | SCENARIO',
  summary: 'Model-check the engine (every sequence of engine calls up to a depth, I1-I27 after every call), or a scenario file (every run deviating from its seed\'s choices in at most K places).',
  flags: {
    depth: { kind: 'int', value: 'N', help: 'longest call sequence explored (default 4, at most 12)' },
    replicas: { kind: 'int', value: 'N', help: 'replicas in the alphabet, r1..rN (default 2, 1-3)' },
    epochs: { kind: 'int', value: 'N', help: 'highest epoch an assignment or fence may use (default 3, 1-6)' },
    lsns: { kind: 'int', value: 'N', help: 'highest LSN storage may reach (default 6, 2-20)' },
    bug: { kind: 'list', value: 'ID', help: `switch a known bug back on (repeatable); engine: ${Object.keys(ENGINE_BUGS).join(', ')}; a scenario: any of 'swsim bugs'` },
    deviations: { kind: 'int', value: 'K', help: `scenario: the most deviations from the default choices per run (default ${DEFAULT_DEVIATIONS}, 0-6), explored fewest first` },
    time: { kind: 'duration', value: 'T', help: 'scenario: stop the search after T of wall-clock time (reports the bound reached)' },
    seed: { kind: 'int', value: 'S', help: 'scenario: the seed whose run is the default (default free.first_seed)' },
    base: { kind: 'string', value: 'B', help: "scenario: the default choice: seed (the seed's own draw, default) or zero (option 0)" },
    kinds: { kind: 'string', value: 'LIST', help: 'scenario: deviate only at choices whose kind starts with one of these, comma-separated (e.g. sched,net.delay)' },
    'no-prune': { kind: 'bool', help: 'scenario: do not prune runs at states already explored' },
    traces: { kind: 'string', value: 'DIR', help: 'scenario: folder for the failing trace (default traces/; -o names the file instead)' },
    'max-states': { kind: 'int', value: 'N', help: 'stop after N distinct states (default: no limit)' },
    'no-por': { kind: 'bool', help: 'disable the partial-order reduction (sleep sets over independent storage/registry calls); same states, more transitions' },
    out: { kind: 'string', value: 'FILE', short: 'o', help: 'write the counterexample (engine script, or the scenario\'s failing trace) to FILE' },
    json: { kind: 'bool', help: 'print one JSON object: states, transitions, depthReached, levels, statesPerSec, wallMs, violation' },
  },
  notes: 'The alphabet, the bounds and the scenario search are documented in docs/model-checking.md. Exit 0: no violation; 1: a counterexample; 2: bad input.',
};

function bounded(flags: Record<string, unknown>, name: string, dflt: number, lo: number, hi: number): number {
  const v = (flags[name] as number | undefined) ?? dflt;
  if (v < lo || v > hi) throw new UsageError(`--${name} ${v}: expected ${lo}..${hi}`);
  return v;
}

export function runCheckCommand(argv: string[], io: Io): number {
  const { flags, positional } = parseArgs(argv, CHECK);
  if (positional.length !== 1) {
    throw new UsageError(`check needs one target, 'engine' or a scenario file (got ${positional.length === 0 ? 'none' : `'${positional.join(' ')}'`})`);
  }
  if (positional[0] !== 'engine') return runCheckScenario(positional[0]!, flags, io);
  for (const f of SCENARIO_ONLY) if (flags[f] !== undefined) throw new UsageError(`--${f} is for a scenario target ('check SCENARIO'), not 'check engine'`);
  const depth = bounded(flags, 'depth', 4, 1, 12);
  const replicas = bounded(flags, 'replicas', 2, 1, 3);
  const epochs = bounded(flags, 'epochs', 3, 1, 6);
  const lsns = bounded(flags, 'lsns', 6, 2, 20);
  const maxStates = (flags['max-states'] as number | undefined) ?? 0;
  const bugs: Partial<Record<EngineBugId, boolean>> = {};
  for (const b of (flags['bug'] as string[] | undefined) ?? []) {
    if (!(b in ENGINE_BUGS)) throw new UsageError(`--bug: unknown engine bug id '${b}' (engine switches: ${Object.keys(ENGINE_BUGS).join(', ')})`);
    bugs[b as EngineBugId] = true;
  }
  const json = flags['json'] === true;
  const t0 = Date.now();
  if (!json) io.out(`swsim check engine: depth ${depth}, replicas ${replicas}, epochs ${epochs}, lsns ${lsns}, bugs ${Object.keys(bugs).join(',') || 'none'}\n`);
  const result = checkEngine({
    depth, replicas, epochs, lsns, bugs, maxStates, por: flags['no-por'] !== true,
    onLevel: json ? undefined : (l) => io.out(`  depth ${l.depth}: ${l.states} new states, ${l.transitions} transitions, ${l.pruned} pruned (${Date.now() - t0} ms)\n`),
  });
  const wallMs = Date.now() - t0;
  const statesPerSec = Math.round(result.states / Math.max(wallMs, 1) * 1000);
  const out = flags['out'] as string | undefined;
  if (out !== undefined && result.violation !== null) writeFileSync(out, result.violation.script);
  if (json) {
    io.out(JSON.stringify({ depth, replicas, epochs, lsns, bugs: Object.keys(bugs), states: result.states, transitions: result.transitions, pruned: result.pruned,
      depthReached: result.depthReached, levels: result.levels, statesPerSec, wallMs, truncated: result.truncated, violation: result.violation }) + '\n');
  } else {
    io.out(`${result.states} distinct states, ${result.transitions} transitions, depth reached ${result.depthReached}, ${statesPerSec} states/s (${wallMs} ms); ${result.pruned} calls pruned by POR\n`);
    const v = result.violation;
    if (v === null) {
      io.out(result.truncated ? `no violation in the first ${result.states} states (cut by --max-states)\n` : `no violation up to depth ${depth}\n`);
    } else {
      io.out(`VIOLATION ${v.invariant} at depth ${v.depth}: ${v.message}\n`);
      io.out(out !== undefined ? `counterexample written to ${out}; replay: npx swsim engine --check ${out}\n` : `counterexample (engine script; save it and replay with npx swsim engine --check FILE):\n${v.script}`);
    }
  }
  return result.violation === null ? 0 : 1;
}

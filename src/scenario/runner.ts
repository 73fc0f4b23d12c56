// Runs a scenario file: loads it (parse.ts; unsupported actions refused like any bad input),
// runs each of its seeds through the same SeedRun loop as fuzz with the scenario's world factory
// (world.ts), so a scenario trace is an ordinary trace whose header names the file and its hash,
// and judges the outcome against `expect`. `runScenario(file)` is the entry point for users' own
// tests; `swsim scenario` and the corpus test call it too.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RandomChooser, type RecordingChooser } from '../sim/chooser.ts';
import type { StrategySpec, TraceStep } from '../trace/format.ts';
import type { WorldFactory } from '../check/checked_world.ts';
import { SeedRun, type RunResult } from '../trace/run.ts';
import { locateText, type ScenarioLocations } from './locations.ts';
import { parseScenarioText, ScenarioError } from './parse.ts';
import type { Scenario } from './schema.ts';
import { unsupported } from './setup.ts';
import { SCENARIO_FAILURE, scenarioWorldFactory } from './world.ts';

export interface LoadedScenario {
  readonly file: string;
  readonly text: string;
  readonly sha256: string;
  readonly scenario: Scenario;
  readonly loc: ScenarioLocations;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Parse a scenario file and refuse actions this version cannot run (ScenarioError, file:line:column). */
export function loadScenario(file: string, text?: string): LoadedScenario {
  let t = text;
  if (t === undefined) {
    try { t = readFileSync(file, 'utf8'); } catch (e) {
      throw new ScenarioError(file, [{ file, line: 1, column: 1, message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'}), expected a readable .yaml, .yml or .json scenario file` }]);
    }
  }
  const scenario = parseScenarioText(t, file);
  const loc = locateText(t);
  const issues = scenario.timeline.flatMap((a, i) => {
    const why = unsupported(a, scenario.cluster.control);
    const p = loc.actions[i] ?? { line: 1, column: 1 };
    return why === null ? [] : [{ file, line: p.line, column: p.column, message: `timeline[${i}].do: ${why}` }];
  });
  if (issues.length > 0) throw new ScenarioError(file, issues);
  return { file, text: t, sha256: sha256(t), scenario, loc };
}

export interface ScenarioRunOptions {
  /** Override free.seeds. */
  readonly seeds?: number;
  /** Extra known-bug switches (on top of cluster.bugs). */
  readonly bugs?: readonly string[];
  /** Called between batches of steps; return false to stop (Ctrl-C). */
  readonly keepGoing?: () => boolean;
  /** A strategy other than seeded random (recorded in the header), with the chooser that implements it. */
  readonly strategy?: { readonly spec: StrategySpec; readonly chooser: (seed: number) => RecordingChooser };
  /** Observes each step (the bounded search's pruning); returning false stops the run. */
  readonly onStep?: (rec: TraceStep) => boolean | void;
}

export interface SeedVerdict {
  readonly seed: number;
  readonly ok: boolean;
  /** What was expected and what happened, one line. */
  readonly message: string;
  readonly result: RunResult;
}

export interface ScenarioResult {
  readonly file: string;
  readonly name: string;
  readonly ok: boolean;
  readonly seeds: readonly SeedVerdict[];
}

export function worldFactory(l: LoadedScenario): WorldFactory {
  return scenarioWorldFactory(l.scenario, l.file, l.loc);
}

export function scenarioBugs(l: LoadedScenario, extra: readonly string[] = []): string[] {
  return [...new Set([...l.scenario.cluster.bugs, ...extra])].sort();
}

/** Run one seed of a loaded scenario (synchronously). */
export function runScenarioSeed(l: LoadedScenario, seed: number, o: ScenarioRunOptions = {}): SeedVerdict {
  const sc = l.scenario;
  const run = new SeedRun({
    seed, profile: sc.free.profile, control: sc.cluster.control,
    ...(sc.cluster.upstream_commit === undefined ? {} : { upstreamCommit: sc.cluster.upstream_commit }), bugs: scenarioBugs(l, o.bugs), strict: sc.run.strict, maxSteps: sc.run.max_steps,
    record: true, check: true, scenario: { path: l.file, sha256: l.sha256 },
    ...(o.strategy === undefined ? {} : { strategy: o.strategy.spec }),
    ...(o.onStep === undefined ? {} : { onStep: o.onStep }),
  }, worldFactory(l), o.strategy === undefined ? new RandomChooser(seed) : o.strategy.chooser(seed));
  while (run.advance(20_000)) if (o.keepGoing !== undefined && !o.keepGoing()) break;
  const result = run.result();
  const message = judge(l, result);
  return { seed, ok: message === null, message: message ?? describeOutcome(result), result };
}

/** Run every seed of a scenario file; `ok` when each matches `expect`. */
export function runScenario(file: string, o: ScenarioRunOptions = {}): ScenarioResult {
  const l = loadScenario(file);
  const n = o.seeds ?? l.scenario.free.seeds;
  const seeds: SeedVerdict[] = [];
  for (let k = 0; k < n; k++) seeds.push(runScenarioSeed(l, l.scenario.free.first_seed + k, o));
  return { file, name: l.scenario.name, ok: seeds.every((s) => s.ok), seeds };
}

/** H ids a finding's message names ("finding H21", "hazard H3", "(H1)"). */
function hazardIds(message: string): string[] {
  return [...message.matchAll(/\bH(\d+)\b/g)].map((m) => `H${m[1]}`);
}

export function describeOutcome(r: RunResult): string {
  if (r.status === 'fail' && r.failure !== undefined) return `fail ${r.failure.id} at step ${r.failure.step}: ${firstLine(r.failure.message)}`;
  const f = r.findings.map((x) => `${x.invariant}${hazardIds(x.message).length > 0 ? `/${[...new Set(hazardIds(x.message))].join(',')}` : ''}`);
  return `${r.status}${f.length > 0 ? ` with finding(s) ${f.join(' ')}` : ''} (${r.steps} steps)`;
}

function firstLine(s: string): string {
  const l = s.split('\n')[0]!;
  return l.length > 300 ? `${l.slice(0, 300)}…` : l;
}

/** null when the run matches the scenario's expectation; else what was expected versus seen. */
function judge(l: LoadedScenario, r: RunResult): string | null {
  const e = l.scenario.expect;
  const where = `${l.file}:${l.loc.expect.line}`;
  if (r.status === 'fail' && r.failure?.id === SCENARIO_FAILURE) return firstLine(r.failure.message);
  if (r.status === 'incomplete' || r.status === 'interrupted') return `${where}: the run was ${r.status} after ${r.steps} steps`;
  const seen = describeOutcome(r);
  if (e.outcome === 'pass') return r.status === 'pass' && r.findings.length === 0 ? null : `${where}: expected pass, seen ${seen}`;
  if (e.outcome === 'fail') return r.status === 'fail' && r.failure?.id === e.invariant ? null : `${where}: expected fail ${e.invariant}, seen ${seen}`;
  const hit = r.status === 'pass' && r.findings.some((f) => hazardIds(f.message).includes(e.finding) && (e.invariant === undefined || f.invariant === e.invariant));
  return hit ? null : `${where}: expected finding ${e.finding}${e.invariant === undefined ? '' : ` on ${e.invariant}`}, seen ${seen}`;
}

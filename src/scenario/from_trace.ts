// From a failure to a regression: turns the trace of a seeded run (`swsim fuzz` / `swsim run`)
// into a scenario file that states the run's faults as timeline actions at the virtual times the
// fault injector applied them — crashes with their restart, partitions and isolations with their
// heal, pauses, epoch bumps, endpoint changes — with the cluster the seed drew (its FaultPlan,
// rebuilt by drawing it again from the seed) and the outcome the run showed as `expect`.
//
// Reproduction: everything the file does not state stays the seed's (`free.first_seed`): the
// scheduler's choices, message latencies, per-message faults at the seed's rates, crash fates of
// unsynced writes, the client's operations. Those draws come from per-family random streams
// (src/sim/chooser.ts), so removing the injector's draws would not shift them — but removing its
// tick events would change which events are due together, and so the scheduler's choices. The file
// therefore says `free.injector: shadow`: the injector keeps ticking and drawing exactly as in the
// seed's run but applies nothing, and each timeline action runs inside the tick at its time
// (src/scenario/world.ts). The saved file is then run (`checkReproduction`) and its outcome and
// step fingerprints compared with the trace's; nothing here claims a reproduction it did not see.
import { RandomChooser } from '../sim/chooser.ts';
import { drawFaultPlan, isProfileName, type FaultPlan } from '../sim/profile.ts';
import { buildId } from '../trace/build_info.ts';
import { headerUpstreamCommit } from '../trace/run.ts';
import { TOOL_VERSION, type Trace } from '../trace/format.ts';
import { writeFileAtomic } from '../trace/writer.ts';
import { CANDIDATE_INVARIANTS, FINDING_IDS, INVARIANT_IDS } from './names.ts';
import { parseScenarioText, ScenarioError } from './parse.ts';
import { describeOutcome, loadScenario, runScenarioSeed } from './runner.ts';
import { splitDetail } from '../trace/detail.ts';
import { faultServer, renderDraft, seconds, type ScenarioDraft, type TraceFault } from './draft.ts';

export { seconds, type TraceFault };

/** A trace that cannot become a scenario (not a seeded run, not failing, an outcome no `expect` can state). */
export class TraceConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceConversionError';
  }
}

export interface ConvertedTrace {
  /** The file as editable data (the structural shrinker edits it). */
  readonly draft: ScenarioDraft;
  /** The scenario file's text (YAML with comments). */
  readonly text: string;
  readonly name: string;
  readonly seed: number;
  readonly faults: readonly TraceFault[];
  /** The expectation as written: `{fail: I26}` or `{finding: H21, invariant: E1}`. */
  readonly expect: string;
  /** Fault steps of the trace the file could not state (none in this version's traces). */
  readonly unconverted: readonly string[];
}

const H_ID = /\bH(\d+)\b/g;

/** The `expect` the trace's outcome shows, or why it has none. */
function expectation(trace: Trace): { text: string; what: string; tag: string } {
  const o = trace.outcome;
  if (o.status === 'fail') {
    const id = o.invariant ?? '';
    if (!(INVARIANT_IDS as readonly string[]).includes(id)) {
      throw new TraceConversionError(`the run failed ${id}, which a scenario's expect cannot name (expected one of the invariant ids of src/check/catalog.ts)`);
    }
    return { text: `{fail: ${id}}`, what: `failed ${id} at step ${o.step ?? '?'}`, tag: id };
  }
  if (o.status === 'pass') {
    for (const f of o.findings) {
      for (const m of f.message.matchAll(H_ID)) {
        const h = `H${m[1]}`;
        if ((FINDING_IDS as readonly string[]).includes(h)) {
          const inv = (INVARIANT_IDS as readonly string[]).includes(f.invariant) ? `, invariant: ${f.invariant}` : '';
          return { text: `{finding: ${h}${inv}}`, what: `passed with finding ${h} on ${f.invariant} at step ${f.step}`, tag: h };
        }
      }
    }
    throw new TraceConversionError(o.findings.length === 0
      ? 'the run passed without findings: there is no failure to turn into a regression (expected a failing trace, or a passing one with a finding)'
      : `the run passed with finding(s) on ${o.findings.map((f) => f.invariant).join(', ')} that name no finding id (H..), so expect cannot state them`);
  }
  throw new TraceConversionError(`the run was ${o.status} after ${o.steps} steps: its outcome is unknown (expected a failing trace, or a passing one with a finding)`);
}

/** The first part of a step detail (a fault's own words; later parts are what the step also did, then its state changes). */
function head(detail: string | undefined): string {
  return splitDetail(detail).what.split('; ')[0]!;
}

/** Every fault the injector applied, from the trace's `fault` steps, with restarts and heals paired. */
export function traceFaults(trace: Trace): { faults: TraceFault[]; unconverted: string[] } {
  const faults: TraceFault[] = [];
  const unconverted: string[] = [];
  let pendingCrash: { f: TraceFault; server: string } | null = null;
  const pendingHeal = new Map<string, TraceFault[]>();
  const awaitHeal = (key: string, f: TraceFault): void => { pendingHeal.set(key, [...(pendingHeal.get(key) ?? []), f]); };
  for (const s of trace.steps) {
    if (s.actor !== 'fault') continue;
    const d = head(s.detail);
    const at = (kind: TraceFault['do'], fields: [string, string][]): TraceFault => {
      const f: TraceFault = { step: s.step, t: s.t, do: kind, detail: d, fields };
      faults.push(f);
      return f;
    };
    let m: RegExpExecArray | null;
    if (s.kind === 'fault.tick') {
      if (d === '') continue; // a tick that drew no fault
      if ((m = /^crash (\S+)$/.exec(d)) !== null) {
        pendingCrash = { f: at('crash', [['server', m[1]!]]), server: m[1]! };
      } else if ((m = /^partition (\S+?)(<->|->)(\S+)$/.exec(d)) !== null) {
        const f = at('partition', [['between', `[${m[1]}, ${m[3]}]`], ['symmetric', String(m[2] === '<->')]]);
        awaitHeal(`heal ${m[1]}/${m[3]}`, f);
      } else if ((m = /^isolate primary (\S+)$/.exec(d)) !== null) {
        awaitHeal(`heal primary ${m[1]}`, at('isolate', [['server', m[1]!]]));
      } else if ((m = /^pause (\S+) for (\d+) ms$/.exec(d)) !== null) {
        at('pause', [['server', m[1]!], ['for', seconds(Number(m[2]))]]);
      } else if (/^epoch bump to \d+$/.test(d) || /^manual promote\b/.test(d)) {
        at('epoch_bump', []);
      } else if ((m = /^restart (\S+) (?:\(new address\)|on a new address)$/.exec(d)) !== null) {
        // An endpoint change: the injector crashes a replica and restarts it on a new address in one step.
        at('endpoint_change', [['server', m[1]!]]);
      } else {
        unconverted.push(`step ${s.step} at ${seconds(s.t)}: ${d}`);
      }
    } else if (s.kind === 'fault.early_crash') {
      // The storage shape's early crash of the primary (src/sim/storage_shape.ts): a plain crash.
      if ((m = /^crash (\S+) \(early\b/.exec(d)) !== null) pendingCrash = { f: at('crash', [['server', m[1]!]]), server: m[1]! };
    } else if (s.kind === 'fault.restart') {
      // A crash's restart (no detail when the quiet phase had already restarted the server).
      if (pendingCrash === null) { unconverted.push(`step ${s.step} at ${seconds(s.t)}: a restart without a crash`); continue; }
      const c = pendingCrash;
      pendingCrash = null;
      c.f.fields.push(['restart_after', seconds(s.t - c.f.t)]);
      if (/\(new address\)$/.test(d)) c.f.fields.push(['new_address', 'true']);
    } else if (s.kind === 'fault.heal') {
      const q = pendingHeal.get(d);
      const f = q?.shift();
      if (f === undefined) { unconverted.push(`step ${s.step} at ${seconds(s.t)}: ${d} without its partition`); continue; }
      f.fields.push(['heal_after', seconds(s.t - f.t)]);
    }
  }
  return { faults, unconverted };
}

/** A seed's drawn plan: the swarm draws come first on their own stream, so drawing again gives the seed's plan. */
function seedPlan(trace: Trace): FaultPlan {
  const profile = trace.header.profile;
  if (!isProfileName(profile)) throw new TraceConversionError(`unknown profile ${profile}`);
  return drawFaultPlan(profile, new RandomChooser(trace.header.seed));
}

/** The cluster keys of a seed's drawn storage shape (none when its profile draws no shape). */
function shapeFields(p: FaultPlan): Partial<ScenarioDraft> {
  const s = p.storageShape;
  if (s === undefined) return {};
  return { blockSize: s.blockSize, numBlocks: s.numBlocks, walSize: s.walSize, walFullTimeoutMs: s.walFullTimeoutMs, flusherIntervalMs: s.flushIntervalMs, rebuildTransferMs: s.rebuildTransferMs };
}

/** Scenario name of a trace: seed-S-ID (the failing invariant or the expected finding), lower case. */
function scenarioName(seed: number, tag: string): string {
  return `seed-${seed}-${tag}`.toLowerCase().replace(/[^a-z0-9_.-]/g, '-');
}

const oneLine = (s: string, max = 160): string => {
  const l = s.split('\n')[0]!.replace(/\s+/g, ' ');
  return l.length > max ? `${l.slice(0, max)}…` : l;
};

/** The scenario text of a trace (draftFromTrace, rendered and checked to parse). */
export function scenarioFromTrace(trace: Trace, source: string): ConvertedTrace {
  const draft = draftFromTrace(trace, source);
  const text = renderDraft(draft);
  try { parseScenarioText(text, `${draft.name}.yaml`); } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    throw new TraceConversionError(`the scenario written for this trace does not parse (a bug in swsim's converter, please report it): ${e.message}`);
  }
  return { text, draft, name: draft.name, seed: draft.seed, faults: draft.timeline, expect: draft.expect, unconverted: draft.unconverted };
}

/**
 * The scenario of a trace as editable data (draft.ts). `source` names the trace in the file's
 * comments. Throws TraceConversionError when the trace is not a seeded run or its outcome cannot
 * be expected.
 */
export function draftFromTrace(trace: Trace, source: string): ScenarioDraft {
  const h = trace.header;
  if (h.strategy === 'shrunk') {
    throw new TraceConversionError(`the trace is a shrunk run (swsim shrink): its choices are not seed ${h.seed}'s, and a scenario file reproduces a seed's run; convert the trace it was shrunk from`);
  }
  if (h.scenario !== undefined) {
    throw new TraceConversionError(`the trace is of a scenario run (${h.scenario.path}), not of a seed: that file already states its faults`);
  }
  const exp = expectation(trace);
  const p = seedPlan(trace);
  const { faults, unconverted } = traceFaults(trace);
  const servers = Array.from({ length: 1 + p.replicas }, (_, i) => `n${i + 1}`);
  const free: string[] = [];
  if (p.resetPermille > 0) free.push('reset');
  if (p.dropPermille > 0) free.push('drop');
  if (p.duplicatePermille > 0) free.push('duplicate');
  if (p.reorderPermille > 0) free.push('reorder');
  if (p.tornPermille > 0) free.push('torn_write');
  if (p.diskErrorPermille > 0) free.push('disk_error');
  const o = trace.outcome;
  const build = buildId();
  const comments = [
    `Saved by swsim from the trace ${source}:`,
    `  seed ${h.seed}, profile ${h.profile}, control ${h.control}, bugs [${h.bugs.join(', ')}]${h.strict ? ', strict' : ''};`,
    `  recorded by ${h.tool} build ${h.build}, converted by ${TOOL_VERSION} build ${build}${h.build === build ? '' : ' (another build: the seed may run differently now)'}.`,
    `The run ${exp.what}${o.status === 'fail' && o.message !== undefined ? `:\n#   ${oneLine(o.message)}` : '.'}`,
    ...(o.findings.length > 0 ? [`Findings of the run: ${o.findings.map((f) => `${f.invariant}${[...new Set([...f.message.matchAll(H_ID)].map((m) => `H${m[1]}`))].map((x) => `/${x}`).join('')} at step ${f.step}`).join(', ')}.`] : []),
    '',
    'What this file keeps of the seed:',
    `  cluster   what seed ${h.seed} drew in profile ${h.profile}: durability, replica count, the fault`,
    '            phase, latency, interleaving and the client load (think_max is its exact think time).',
    '  timeline  every fault the injector applied, at the virtual time it applied it (trace step in',
    '            the note), with the restart or heal the trace showed; a fault whose restart or heal',
    '            came after the run stopped has none (the quiet phase restarts and heals).',
    `  free      seed ${h.seed} still decides everything not stated: the scheduler, message latencies,`,
    '            per-message faults and torn writes at its own rates (free.faults), crash fates of',
    '            unsynced writes, the client\'s operations. free.injector: shadow keeps the fault',
    '            injector ticking and drawing as in the fuzz run, so those draws line up, but applies',
    '            none of its faults: the timeline\'s faults run inside its ticks instead.',
    'It reproduces the run only with this seed and this build of the simulator. To turn it into a',
    'durable regression (conditions instead of times, only the faults that matter, several seeds),',
    'see docs/scenarios.md, "From a failure to a regression".',
  ];
  return {
    comments,
    name: scenarioName(h.seed, exp.tag),
    description: `seed ${h.seed} (${h.profile}${h.bugs.length > 0 ? `, ${h.bugs.join(' ')}` : ''}) ${exp.what}, saved from its trace`,
    tags: ['from-trace', `seed-${h.seed}`],
    servers,
    durability: p.durability,
    latency: { minMs: p.latencyMin, maxMs: p.latencyMax },
    interleavePermille: p.interleavePermille,
    ...(p.lockFreeYieldPermille > 0 ? { lockFreeYieldPermille: p.lockFreeYieldPermille } : {}),
    ...shapeFields(p),
    wildcardListen: p.wildcardListen,
    legacyReplica: p.legacyReplica ? servers[servers.length - 1]! : null,
    control: h.control,
    ...headerUpstreamCommit(h),
    bugs: [...h.bugs].sort(),
    workload: {
      rate: Math.max(1, Math.min(1000, Math.round(2000 / (p.writeIntervalMs + 1)))), thinkMaxMs: p.writeIntervalMs,
      syncPermille: p.syncPermille, trimPermille: p.trimPermille, readPermille: 150, maxWriteBlocks: p.maxWriteBlocks, idleQuiet: p.idleQuiet,
      ...(p.queueDepth > 1 ? { queueDepth: p.queueDepth } : {}), ...(p.clients > 1 ? { clients: p.clients } : {}),
    },
    timeline: faults,
    unconverted,
    seed: h.seed,
    profile: h.profile,
    messageFaults: free,
    injector: 'shadow',
    faultPhaseMs: p.faultPhaseMs,
    quietPhaseMs: p.quietPhaseMs,
    maxSteps: h.maxSteps,
    // A candidate invariant that failed a non-strict run (W6 through B26's legacy reply) can only be
    // expected as a failure with run.strict: true (semantic.ts); the reproduction check says whether
    // strictness changed the run.
    strict: h.strict || (o.status === 'fail' && CANDIDATE_INVARIANTS.has(o.invariant ?? '')),
    expect: exp.text,
  };
}

export interface Reproduction {
  /** The saved file's run showed the expected outcome. */
  readonly reproduces: boolean;
  /** ...and every step had the trace's time and state fingerprint, up to the trace's last step. */
  readonly stepForStep: boolean;
  /** The first step whose time or fingerprint differed from the trace's (when not step for step). */
  readonly firstDifference?: number;
  /** What the run showed (runner.describeOutcome). */
  readonly seen: string;
}

/** Run a saved file for the trace's seed and compare it with the trace: outcome, then every step. */
export function checkReproduction(file: string, trace: Trace): Reproduction {
  const l = loadScenario(file);
  const v = runScenarioSeed(l, trace.header.seed);
  const got = v.result.trace.steps;
  const want = trace.steps;
  let firstDifference: number | undefined;
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n; i++) {
    if (got[i]!.t !== want[i]!.t || got[i]!.fp !== want[i]!.fp) { firstDifference = i + 1; break; }
  }
  if (firstDifference === undefined && got.length !== want.length) firstDifference = n + 1;
  return {
    reproduces: v.ok, stepForStep: firstDifference === undefined, seen: describeOutcome(v.result),
    ...(firstDifference === undefined ? {} : { firstDifference }),
  };
}

/**
 * One line: "reproduces (fail I26 at step 887: ...; step for step ...)" or "does not reproduce
 * (saw ...)". `short` leaves out what the run showed when it reproduced.
 */
export function reproductionText(r: Reproduction, short = false): string {
  if (!r.reproduces) return `does not reproduce (saw ${r.seen})`;
  const how = r.stepForStep ? 'step for step: every step\'s time and fingerprint equal the trace\'s' : `the outcome, not step for step: first different step ${r.firstDifference}`;
  return short ? `reproduces (${how})` : `reproduces (${r.seen}; ${how})`;
}

/** The faults of a converted trace, one phrase each: "crash n1 at 2.631s". */
export function faultSummary(c: ConvertedTrace): string {
  const what = (f: TraceFault): string => {
    if (f.do === 'partition') return f.detail;
    const server = faultServer(f);
    return `${f.do}${server === undefined ? '' : ` ${server}`}`;
  };
  return c.faults.length === 0 ? 'no faults' : c.faults.map((f) => `${what(f)} at ${seconds(f.t)}`).join(', ');
}

/** Convert, write (atomically), and run the written file. */
export function saveScenarioFromTrace(trace: Trace, source: string, file: string): { converted: ConvertedTrace; reproduction: Reproduction } {
  const converted = scenarioFromTrace(trace, source);
  writeFileAtomic(file, converted.text);
  return { converted, reproduction: checkReproduction(file, trace) };
}

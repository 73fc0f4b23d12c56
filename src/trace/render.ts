// Renders a trace as a readable, coloured timeline: one line per step (step number, virtual time,
// actor, kind, detail), actors in stable colours, faults and failures highlighted, with an
// optional step range. Colour is chalk's and disappears when output is not a terminal.
import chalk from 'chalk';
import type { Story } from './explain.ts';
import type { Trace, TraceStep } from './format.ts';
import { isEmptyFilter, matchesFilter, type StepFilter } from './step_filter.ts';

const ACTOR_COLOURS = [chalk.cyan, chalk.green, chalk.yellow, chalk.magenta, chalk.blue, chalk.white];

function colourFor(actor: string, palette: Map<string, (s: string) => string>): (s: string) => string {
  let c = palette.get(actor);
  if (c === undefined) {
    c = actor === 'fault' ? chalk.red : ACTOR_COLOURS[palette.size % ACTOR_COLOURS.length]!;
    palette.set(actor, c);
  }
  return c;
}

export function formatTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${s}.${String(ms % 1000).padStart(3, '0')}s`;
}

/** Longest detail shown on a timeline line; the trace file keeps it whole. */
export const MAX_DETAIL = 200;

/** `s` cut to `max` characters, saying how much was left out. */
export function cut(s: string, max = MAX_DETAIL): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

export function renderStep(s: TraceStep, palette: Map<string, (s: string) => string>): string {
  const c = colourFor(s.actor, palette);
  const kind = s.kind.startsWith('fault') ? chalk.red.bold(s.kind) : s.kind;
  return `${chalk.dim(String(s.step).padStart(7))} ${chalk.dim(formatTime(s.t).padStart(9))} ${c(s.actor.padEnd(8))} ${kind}${s.detail !== undefined ? ` ${chalk.dim(cut(s.detail))}` : ''}`;
}

function headerLine(trace: Trace): string {
  const h = trace.header;
  return chalk.bold(`seed ${h.seed}  profile ${h.profile}  bugs [${h.bugs.join(', ')}]  ${h.tool} (build ${h.build})`);
}

/** A dim line saying how many steps lie between two shown ones (nothing when none). */
function foldLine(hidden: number): string | null {
  return hidden > 0 ? chalk.dim(`${''.padStart(7)} ⋮ ${hidden} step${hidden === 1 ? '' : 's'}`) : null;
}

export function renderTimeline(trace: Trace, from = 1, to = Number.MAX_SAFE_INTEGER, filter: StepFilter = {}): string {
  const palette = new Map<string, (s: string) => string>();
  const lines: string[] = [headerLine(trace)];
  const filtered = !isEmptyFilter(filter);
  let last = 0;
  let shown = 0;
  for (const s of trace.steps) {
    if (s.step < from || s.step > to || (filtered && !matchesFilter(s, filter))) continue;
    const fold = filtered && last > 0 ? foldLine(s.step - last - 1) : null;
    if (fold !== null) lines.push(fold);
    lines.push(renderStep(s, palette));
    last = s.step;
    shown += 1;
  }
  if (filtered) lines.push(chalk.dim(`${shown} step${shown === 1 ? '' : 's'} matched the filter`));
  lines.push(...outcomeLines(trace));
  return lines.join('\n') + '\n';
}

/** The story of a failure (explain.ts): faults and the involved objects' changes, the rest folded. */
export function renderStory(trace: Trace, story: Story): string {
  const palette = new Map<string, (s: string) => string>();
  const names = story.involved.map((i) => `n${i}/s${i}`).join(', ');
  const lines: string[] = [
    headerLine(trace),
    `Why ${story.invariant} fired at step ${story.failStep}: faults, and every change to ${names === '' ? 'the failing actor and the master' : `${names}, the failing actor and the master`} (roles, epochs, shippers, senders, sessions) up to it.`,
  ];
  const firstChange = story.steps.find((k) => k.role === 'change')?.step.step ?? story.failStep;
  if (story.folded > 0) lines.push(chalk.dim(`(${story.folded} earlier changes to these objects folded; the timeline with --to ${firstChange - 1} and --actor/--grep shows them)`));
  let last = 0;
  for (const k of story.steps) {
    const fold = foldLine(k.step.step - last - 1);
    if (fold !== null) lines.push(fold);
    const text = renderStep({ ...k.step, detail: k.detail }, palette);
    lines.push(k.role === 'failure' ? chalk.red(text) : text);
    last = k.step.step;
  }
  lines.push(`state at step ${story.failStep}: ${story.state.map(([key, v]) => `${key}=${v}`).join(' ')}`);
  lines.push(...outcomeLines(trace));
  return lines.join('\n') + '\n';
}

function outcomeLines(trace: Trace): string[] {
  const lines: string[] = [];
  const o = trace.outcome;
  if (o.status === 'fail') lines.push(chalk.red.bold(`FAIL ${o.invariant} at step ${o.step}: ${cut(o.message ?? '', 2000)}`));
  else if (o.status === 'pass') lines.push(chalk.green(`pass after ${o.steps} steps`));
  else lines.push(chalk.yellow(`${o.status} after ${o.steps} steps`));
  for (const f of o.findings) lines.push(chalk.yellow(`finding ${f.invariant} at step ${f.step}: ${cut(f.message, 2000)}`));
  return lines;
}

// Renders a trace as a readable, coloured timeline: one line per step (step number, virtual time,
// actor, kind, detail), actors in stable colours, faults and failures highlighted, with an
// optional step range. Colour is chalk's and disappears when output is not a terminal.
import chalk from 'chalk';
import type { Trace, TraceStep } from './format.ts';

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

export function renderTimeline(trace: Trace, from = 1, to = Number.MAX_SAFE_INTEGER): string {
  const palette = new Map<string, (s: string) => string>();
  const h = trace.header;
  const lines: string[] = [chalk.bold(`seed ${h.seed}  profile ${h.profile}  bugs [${h.bugs.join(', ')}]  ${h.tool} (build ${h.build})`)];
  for (const s of trace.steps) {
    if (s.step < from || s.step > to) continue;
    lines.push(renderStep(s, palette));
  }
  const o = trace.outcome;
  if (o.status === 'fail') lines.push(chalk.red.bold(`FAIL ${o.invariant} at step ${o.step}: ${cut(o.message ?? '', 2000)}`));
  else if (o.status === 'pass') lines.push(chalk.green(`pass after ${o.steps} steps`));
  else lines.push(chalk.yellow(`${o.status} after ${o.steps} steps`));
  for (const f of o.findings) lines.push(chalk.yellow(`finding ${f.invariant} at step ${f.step}: ${cut(f.message, 2000)}`));
  return lines.join('\n') + '\n';
}

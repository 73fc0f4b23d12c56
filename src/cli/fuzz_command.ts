// `swsim fuzz`: runs seeds S..S+N-1 (or until a time budget), one after another, shows progress on
// a TTY, writes the trace of every failing seed atomically, and ends with "N passed, N failed".
// Exit 0 when nothing failed, 1 when an invariant failed, 2 on bad usage. Wall-clock time is read
// here for reporting only; it never influences a run.
import chalk from 'chalk';
import { join } from 'node:path';
import { RandomChooser } from '../sim/chooser.ts';
import { isProfileName, PROFILE_NAMES } from '../sim/profile.ts';
import { DEFAULT_MAX_STEPS } from '../sim/cluster.ts';
import { makeClusterWorld } from '../check/cluster_world.ts';
import { SeedRun, type RunResult } from '../trace/run.ts';
import { writeTraceAtomic } from '../trace/writer.ts';
import { parseArgs, UsageError } from './args.ts';
import { homeProfile, isKnownBug } from './bugs.ts';

/** Steps between two returns to the event loop (where SIGINT is noticed). */
const STEP_BATCH = 2000;

const FLAGS = { seeds: 'int', from: 'int', time: 'duration', profile: 'string', bug: 'list', traces: 'string', json: 'bool', strict: 'bool', 'max-steps': 'int' } as const;

export interface CommonRunFlags {
  profile: string;
  bugs: string[];
  strict: boolean;
  maxSteps: number;
}

export function commonFlags(flags: Record<string, unknown>): CommonRunFlags {
  const bugs = (flags['bug'] as string[] | undefined) ?? [];
  for (const b of bugs) if (!isKnownBug(b)) throw new UsageError(`--bug: unknown bug id '${b}' (see 'swsim bugs')`);
  // Without --profile, a switch runs where its faults are (`swsim bugs` shows each one's home).
  const profile = (flags['profile'] as string | undefined) ?? homeProfile(bugs);
  if (!isProfileName(profile)) throw new UsageError(`--profile: expected one of ${PROFILE_NAMES.join(', ')}, got '${profile}'`);
  return { profile, bugs, strict: flags['strict'] === true, maxSteps: (flags['max-steps'] as number | undefined) ?? DEFAULT_MAX_STEPS };
}

export function replayCommand(file: string): string {
  return `npx swsim replay ${file}`;
}

function merge(into: Record<string, number>, from: Record<string, number>): void {
  for (const k of Object.keys(from).sort()) into[k] = (into[k] ?? 0) + from[k]!;
}

export async function runFuzzCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (positional.length > 0) throw new UsageError(`fuzz takes no positional arguments, got '${positional[0]}'`);
  const common = commonFlags(flags);
  const timeBudget = flags['time'] as number | undefined;
  const seeds = (flags['seeds'] as number | undefined) ?? (timeBudget !== undefined ? Number.MAX_SAFE_INTEGER : 100);
  const from = (flags['from'] as number | undefined) ?? 1;
  const tracesDir = (flags['traces'] as string | undefined) ?? 'traces';
  const json = flags['json'] === true;
  const tty = process.stderr.isTTY === true && !json;
  if (!json && flags['profile'] === undefined && common.profile !== 'default') {
    process.stderr.write(`${chalk.dim(`profile ${common.profile}: where ${common.bugs.join(', ')} can be reached (--profile overrides)`)}\n`);
  }

  let interrupted = false;
  const onSigint = (): void => { interrupted = true; };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const started = Date.now();
  let passed = 0, failed = 0, steps = 0, simulatedMs = 0, runs = 0;
  const findings: Record<string, number> = {};
  const coverage: Record<string, number> = {};
  const failures: { seed: number; invariant: string; step: number; trace: string; message: string }[] = [];
  let lastDraw = 0;

  for (let i = 0; i < seeds; i++) {
    if (interrupted) break;
    if (timeBudget !== undefined && Date.now() - started >= timeBudget) break;
    const seed = from + i;
    const run = new SeedRun({ seed, ...common, record: true, check: true }, makeClusterWorld, new RandomChooser(seed));
    // Advance in batches and yield to the event loop between them, so Ctrl-C is seen mid-seed.
    while (!interrupted && run.advance(STEP_BATCH)) await new Promise<void>((r) => setImmediate(r));
    const result: RunResult = run.result();
    runs += 1;
    steps += result.steps;
    simulatedMs += result.simulatedMs;
    merge(coverage, result.coverage);
    for (const f of result.findings) findings[f.invariant] = (findings[f.invariant] ?? 0) + 1;
    if (result.status === 'fail' && result.failure !== undefined) {
      failed += 1;
      const file = join(tracesDir, `seed-${seed}-${result.failure.id}.jsonl`);
      writeTraceAtomic(file, result.trace);
      failures.push({ seed, invariant: result.failure.id, step: result.failure.step, trace: file, message: result.failure.message });
      if (!json) {
        if (tty) process.stderr.write('\r\x1b[K');
        process.stderr.write(`${chalk.red('FAIL')} seed ${seed} ${chalk.bold(result.failure.id)} at step ${result.failure.step}: ${result.failure.message}\n     replay: ${replayCommand(file)}\n`);
      }
    } else if (result.status === 'interrupted') {
      const file = join(tracesDir, `seed-${seed}-interrupted.jsonl`);
      writeTraceAtomic(file, result.trace);
      if (!json) process.stderr.write(`\ninterrupted during seed ${seed}; partial trace: ${file}\n`);
      break;
    } else {
      passed += 1;
    }
    if (tty && Date.now() - lastDraw > 100) {
      lastDraw = Date.now();
      const total = seeds === Number.MAX_SAFE_INTEGER ? '?' : String(seeds);
      const width = 30;
      const frac = seeds === Number.MAX_SAFE_INTEGER ? 0 : runs / seeds;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
      process.stderr.write(`\r\x1b[K${bar} ${runs}/${total} seeds  ${passed} passed, ${failed} failed`);
    }
  }
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);
  if (tty) process.stderr.write('\r\x1b[K');

  const wallMs = Math.max(1, Date.now() - started);
  if (json) {
    process.stdout.write(JSON.stringify({
      runs, passed, failed, steps, stepsPerSec: Math.round(steps / (wallMs / 1000)), simulatedMs, wallMs,
      findings, coverage, failures: failures.map(({ seed, invariant, step, trace }) => ({ seed, invariant, step, trace })),
    }) + '\n');
  } else {
    const cov = Object.keys(coverage).sort().map((k) => `${k}=${coverage[k]}`).join(' ');
    process.stdout.write(`${chalk.dim('coverage:')} ${cov}\n`);
    const fk = Object.keys(findings).sort();
    if (fk.length > 0) process.stdout.write(`${chalk.yellow('findings (candidate invariants, not failures):')} ${fk.map((k) => `${k}×${findings[k]}`).join(' ')}\n`);
    process.stdout.write(`${chalk.dim(`${steps} steps in ${(wallMs / 1000).toFixed(1)}s (${Math.round(steps / (wallMs / 1000))} steps/s), ${(simulatedMs / 1000).toFixed(0)}s simulated`)}\n`);
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
  }
  if (interrupted) return failed > 0 ? 1 : 130;
  return failed > 0 ? 1 : 0;
}

// `swsim engine <file>` (docs/engine-scripts.md): runs the shipped example scripts as a
// subprocess, checks byte-identical output across runs, golden key fields, and the exit-2 input
// errors (file, line and field named on stderr, nothing printed after the error).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEngineScript } from '../../src/engine/script.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SCRIPTS = join(ROOT, 'test', 'engine', 'scripts');

function swsim(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', ['bin/swsim.js', 'engine', file], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Out = { line: number; op: string; result: any; error: { code: string; message: string } | null; sender: any; events: { event: string; detail: string }[] };
const parse = (stdout: string): Out[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as Out);

function tmpScript(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'swsim-engine-')), 'bad.jsonl');
  writeFileSync(f, text);
  return f;
}

const ASSIGN = '{"op":"orchestrator.processAssignment","args":{"replicas":[{"replicaID":"r1","endpoint":{"dataAddr":"a"}}],"epoch":1,"recoveryTargets":{"r1":"catchup"}}}';

describe('swsim engine (subprocess)', () => {
  it('catch-up with an epoch bump mid-executor: deterministic, fails closed, pins released', () => {
    const file = join(SCRIPTS, 'catchup_epoch_bump.jsonl');
    const a = swsim(file);
    const b = swsim(file);
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const out = parse(a.stdout);
    const byLine = new Map(out.map((o) => [o.line, o]));
    expect(byLine.get(4)?.result.retentionPin).toEqual({ pinID: 1, startLSN: 70, valid: true });
    expect(byLine.get(10)?.result.yield).toEqual({ index: 3, kind: 'step', label: 'checkBudget[0]', onStep: 0 });
    expect(byLine.get(11)?.events.map((e) => e.detail)).toEqual(['epoch_advanced_to_2']);
    expect(byLine.get(12)?.error?.code).toBe('no_active_session');
    expect(byLine.get(12)?.events).toEqual([{ replicaID: 'vol1/s2', sessionID: 1, event: 'exec_resources_released', detail: 'budget_check_failed: no active session' }]);
    expect(byLine.get(13)?.result.count).toBe(0);
    expect(byLine.get(14)?.result).toBe('disconnected');
  });

  it('rebuild snapshot_tail with scripted I/O completes in_sync and releases both pins', () => {
    const r = swsim(join(SCRIPTS, 'rebuild_snapshot_tail.jsonl'));
    expect(r.status).toBe(0);
    const out = parse(r.stdout);
    const plan = out.find((o) => o.op === 'driver.planRebuild')!;
    expect([plan.result.rebuildSource, plan.result.rebuildSnapshotLSN, plan.result.snapshotPin.pinID, plan.result.retentionPin.pinID]).toEqual(['snapshot_tail', 50, 1, 2]);
    const exec = out.find((o) => o.op === 'executor.execute')!;
    expect(exec.events.map((e) => `${e.event}|${e.detail}`)).toEqual(['exec_rebuild_started|source=snapshot_tail target=100 io=true', 'exec_rebuild_completed|in_sync']);
    expect(exec.sender.state).toBe('in_sync');
    expect(out.at(-1)?.result.count).toBe(0);
  });

  it('replica-ahead truncation: no pin, unsafe truncation escalates, a later plan truncates', () => {
    const r = swsim(join(SCRIPTS, 'replica_ahead_truncation.jsonl'));
    expect(r.status).toBe(0);
    const out = parse(r.stdout);
    const execs = out.filter((o) => o.op === 'executor.execute');
    expect(out.find((o) => o.op === 'storage.holds')?.result.count).toBe(0);
    expect(execs[0]?.error).toEqual({ code: 'truncation_escalated', message: 'truncation escalated to rebuild: truncate to 100: flushed beyond checkpoint' });
    expect(execs[0]?.events.map((e) => e.event)).toEqual(['exec_catchup_started', 'exec_resources_released', 'truncation_escalated']);
    expect(execs[0]?.sender.state).toBe('needs_rebuild');
    expect(execs[1]?.events.map((e) => e.detail)).toEqual(['target=100 tick=0 io=true', 'truncated_to=100 io=true', 'in_sync']);
    expect(execs[1]?.sender.state).toBe('in_sync');
  });

  it('rebuild with CommittedLSN 0: full_base targeting HeadLSN (a79cba0be) completes in_sync; B27 undoes both fixes', () => {
    const file = join(SCRIPTS, 'rebuild_committed_zero.jsonl');
    const r = swsim(file);
    expect(r.status).toBe(0);
    const out = parse(r.stdout);
    const plan = out.find((o) => o.op === 'driver.planRebuild')!;
    expect([plan.result.rebuildSource, plan.result.rebuildTargetLSN, plan.result.fullBasePin]).toEqual(['full_base', 80, { committedLSN: 0, pinID: 1, valid: true }]);
    const exec = out.find((o) => o.op === 'executor.execute')!;
    expect(exec.error).toBeNull();
    expect(exec.events.map((e) => `${e.event}|${e.detail}`)).toEqual(['exec_rebuild_started|source=full_base target=80 io=true', 'exec_rebuild_completed|in_sync']);
    expect(exec.sender.state).toBe('in_sync');
    expect(out.at(-1)?.result.count).toBe(0);

    const b27 = runEngineScript(`{"op":"engine.bugs","args":{"B27":true}}\n${readFileSync(file, 'utf8')}`);
    expect(b27.inputError).toBeNull();
    const on = b27.lines.map((l) => JSON.parse(l) as Out);
    const planOn = on.find((o) => o.op === 'driver.planRebuild')!;
    expect([planOn.result.rebuildSource, planOn.result.rebuildSnapshotLSN, planOn.result.rebuildTargetLSN]).toEqual(['snapshot_tail', 40, 0]);
    const execOn = on.find((o) => o.op === 'executor.execute')!;
    expect(execOn.error?.code).toBe('rebuild_tail_regression');
    expect(on.at(-1)?.result.count).toBe(0);
  });

  it('engine.bugs B5 on the first line switches the bug on', () => {
    const out = parse(swsim(join(SCRIPTS, 'bug_b5.jsonl')).stdout);
    expect(out[2]?.events.map((e) => e.event)).toEqual(['session_invalidated', 'session_superseded']);
  });

  it.each([
    ['malformed JSON', `${ASSIGN}\n{"op": oops}\n`, ':2: (json): malformed JSON'],
    ['unknown op', `${ASSIGN}\n{"op":"sender.fly","args":{}}\n`, ':2: op: unknown op "sender.fly"'],
    ['missing argument', '{"op":"driver.planRecovery","args":{"replicaID":"r1"}}\n', ':1: args.replicaFlushedLSN: missing argument'],
    ['ill-typed argument', '{"op":"driver.planRecovery","args":{"replicaID":"r1","replicaFlushedLSN":"70"}}\n', ':1: args.replicaFlushedLSN: expected a non-negative safe integer'],
    ['unknown handle', `${ASSIGN}\n{"op":"executor.catchUp","args":{"plan":"nope"},"as":"e"}\n`, ':2: args.plan: unknown handle "nope"'],
    ['bugs not first', `${ASSIGN}\n{"op":"engine.bugs","args":{"B5":true}}\n`, ':2: op: engine.bugs must be the first call'],
    ['unknown bug', '{"op":"engine.bugs","args":{"B99":true}}\n', ':1: args.B99: unknown bug'],
  ])('bad input (%s) exits 2 naming file, line and field, with no stdout', (_name, text, expected) => {
    const f = tmpScript(text);
    const r = swsim(f);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${f}${expected}`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a handle whose call failed is a runtime input error: earlier lines printed, nothing after', () => {
    const f = tmpScript(`${ASSIGN}\n{"op":"driver.planRebuild","args":{"replicaID":"r1"},"as":"p"}\n{"op":"executor.rebuild","args":{"plan":"p"},"as":"x"}\n{"op":"registry.len"}\n`);
    const r = swsim(f);
    expect(r.status).toBe(2);
    expect(parse(r.stdout).map((o) => o.line)).toEqual([1, 2]);
    expect(r.stderr).toContain(`${f}:3: args.plan: handle "p" holds no plan`);
  });
});

describe('runEngineScript (in process)', () => {
  it('every sender op addresses its sender; "current" resolves the live session ID', () => {
    const { lines, inputError } = runEngineScript(
      [
        ASSIGN,
        '{"op":"sender.beginConnect","args":{"replicaID":"r1","sessionID":"current"}}',
        '{"op":"sender.recordHandshakeFromHistory","args":{"replicaID":"r1","sessionID":1,"replicaFlushedLSN":5,"history":{"headLSN":10,"committedLSN":10}}}',
        '{"op":"sender.beginCatchUp","args":{"replicaID":"r1","sessionID":"current","startTick":1}}',
        '{"op":"sender.recordCatchUpProgress","args":{"replicaID":"r1","sessionID":1,"lsn":10,"tick":2}}',
        '{"op":"sender.completeSessionByID","args":{"replicaID":"r1","sessionID":1}}',
        '{"op":"sender.beginConnect","args":{"replicaID":"r1","sessionID":1}}',
      ].join('\n'),
    );
    expect(inputError).toBeNull();
    const out = lines.map((l) => JSON.parse(l) as Out);
    expect(out[2]?.result.outcome).toBe('catchup');
    expect(out[5]?.result).toBe(true);
    expect(out[5]?.sender.state).toBe('in_sync');
    expect(out[6]?.error).toEqual({ code: 'no_active_session', message: 'no active session' });
  });
});

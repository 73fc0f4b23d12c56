// Error text as upstream formats it: goQuote is Go's %q (strconv.Quote), and every engine error
// whose Go source formats a replica ID with %q (driver.go PlanRebuild x3, executor.go
// CatchUpExecutor.Execute and RebuildExecutor.Execute "sender %q not found") uses it.
import { describe, expect, it } from 'vitest';
import { CatchUpExecutor } from '../../src/engine/catchup_executor.ts';
import { goQuote } from '../../src/engine/errors.ts';
import { RebuildExecutor } from '../../src/engine/rebuild_executor.ts';
import { intent, newDriver } from './flow_helpers.ts';

describe('goQuote (Go %q)', () => {
  it.each([
    ['r1', '"r1"'],
    ['', '""'],
    ['vol1/s2', '"vol1/s2"'],
    ['a"b', '"a\\"b"'],
    ['a\\b', '"a\\\\b"'],
    ["it's", '"it\'s"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\x00\x01\x1f\x7f', '"\\x00\\x01\\x1f\\x7f"'],
    ['caf\u00e9 \u65e5\u672c \u{1f600}', '"caf\u00e9 \u65e5\u672c \u{1f600}"'],
    ['a\u00a0b', '"a\\u00a0b"'],
    ['\u0085\u200b\u2028\ue000\ufeff', '"\\u0085\\u200b\\u2028\\ue000\\ufeff"'],
    ['\u{10ffff}\u{e0001}', '"\\U0010ffff\\U000e0001"'],
    ['x\ud800y', '"x\ufffdy"'],
  ])('%j -> %s', (input, want) => {
    expect(goQuote(input)).toBe(want);
  });
});

describe('replica IDs in error messages are %q-quoted', () => {
  const id = 'vol"1\\s\t2';
  const q = '"vol\\"1\\\\s\\t2"';

  it('RecoveryDriver.planRebuild: sender not found / no active session / not a rebuild session', () => {
    const { driver } = newDriver({ headLSN: 100, committedLSN: 100 });
    expect(driver.planRebuild(id).err?.message).toBe(`sender ${q} not found`);
    driver.orchestrator.processAssignment(intent(null, 1, 'a:1', 1, id));
    expect(driver.planRebuild(id).err?.message).toBe(`no active session for ${q}`);
    driver.orchestrator.processAssignment(intent('catchup', 1, 'a:1', 1, id));
    expect(driver.planRebuild(id).err?.message).toBe(`session for ${q} is not a rebuild session (kind=catchup)`);
  });

  it('CatchUpExecutor and RebuildExecutor: sender not found', () => {
    const { driver } = newDriver({ headLSN: 100, tailLSN: 30, committedLSN: 100, checkpointLSN: 50, checkpointTrusted: true });
    driver.orchestrator.processAssignment(intent('catchup', 1, 'a:1', 1, id));
    const catchUp = driver.planRecovery(id, 70).plan!;
    driver.orchestrator.processAssignment({ replicas: [], epoch: 1 });
    expect(new CatchUpExecutor(driver, catchUp).execute([100], 0)?.message).toBe(`sender ${q} not found`);

    driver.orchestrator.processAssignment(intent('rebuild', 1, 'a:1', 1, id));
    const rebuild = driver.planRebuild(id).plan!;
    driver.orchestrator.processAssignment({ replicas: [], epoch: 1 });
    expect(new RebuildExecutor(driver, rebuild).execute()?.message).toBe(`sender ${q} not found`);
  });
});

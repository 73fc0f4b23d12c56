// A short fuzz run inside `npm test`: ten calm seeds (no faults at all) through the real CLI.
// Calm must pass — a failure here is a bug in the cluster or its checks, not an impossible world.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { swsim } from '../cli/cli_helpers.ts';

describe('fuzz smoke', () => {
  const traces = mkdtempSync(join(tmpdir(), 'swsim-smoke-'));
  afterAll(() => rmSync(traces, { recursive: true, force: true }));

  it('fuzz --seeds 10 --profile calm --json: 0 failed, non-zero steps', async () => {
    const r = await swsim(['fuzz', '--seeds', '10', '--profile', 'calm', '--json', '--traces', traces]);
    const o = JSON.parse(r.stdout) as { runs: number; passed: number; failed: number; steps: number; simulatedMs: number; failures: unknown[] };
    expect(o.runs).toBe(10);
    expect(o.steps).toBeGreaterThan(0);
    expect(o.simulatedMs).toBeGreaterThan(0);
    expect(o.failed, `calm failures: ${JSON.stringify(o.failures)}`).toBe(0);
    expect(o.passed).toBe(10);
    expect(r.code).toBe(0);
  }, 120_000);
});

describe('fuzz smoke, with faults', () => {
  const traces = mkdtempSync(join(tmpdir(), 'swsim-smoke-default-'));
  afterAll(() => rmSync(traces, { recursive: true, force: true }));

  // Default-profile seeds exercise crashes, partitions, epoch bumps, failovers and engine recovery;
  // they must pass (findings allowed). Coverage shows the faults really happened.
  it('fuzz --seeds 10 (default profile): 0 failed, faults, recoveries and overlapping writes covered', async () => {
    const r = await swsim(['fuzz', '--seeds', '10', '--json', '--traces', traces]);
    const o = JSON.parse(r.stdout) as { failed: number; failures: unknown[]; coverage: Record<string, number> };
    expect(o.failed, `default failures: ${JSON.stringify(o.failures)}`).toBe(0);
    expect(o.coverage['crash'] ?? 0).toBeGreaterThan(0);
    expect(o.coverage['catchup_completed'] ?? 0).toBeGreaterThan(0);
    expect(o.coverage['client_overlapping_writes'] ?? 0).toBeGreaterThan(0);
    expect(r.code).toBe(0);
  }, 180_000);
});

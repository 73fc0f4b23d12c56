// The scenario format layer: malformed files give their first error as
// `file:line:column: what is wrong, what was expected` (no stack trace), valid files parse to the
// expected typed structure with defaults filled, the examples in scenarios/ parse, and
// scenarios/schema.json is the generated form of the one schema definition.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/scenario/duration.ts';
import { scenarioJSONSchemaText } from '../../src/scenario/json_schema.ts';
import { checkScenarioText, formatIssue, parseScenarioFile, parseScenarioText, ScenarioError } from '../../src/scenario/parse.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MALFORMED = join(import.meta.dirname, 'malformed');

/** Each malformed file and the first line of its error. */
const EXPECTED: ReadonlyArray<readonly [string, string]> = [
  ['after_cycle.yaml', "after_cycle.yaml:3:27: timeline[0].when.after: actions a -> b -> a wait for each other in a cycle, expected a chain that starts at a timed action"],
  ['at_after_run_end.yaml', "at_after_run_end.yaml:6:10: timeline[0].at: at 45s is after the run ends at 30s, expected a time within run.fault_phase + run.quiet_phase"],
  ['bad_durability.yaml', "bad_durability.yaml:3:15: cluster.durability: found the string \"sync-all\", expected one of: sync_all, sync_quorum, best_effort; did you mean \"sync_all\"?"],
  ['bad_expect_word.yaml', "bad_expect_word.yaml:2:9: expect: found the string \"passes\", expected pass or a mapping with one of the keys fail, finding; did you mean \"pass\"?"],
  ['bad_fault_kind.yaml', "bad_fault_kind.yaml:3:19: free.faults[1]: found the string \"partitions\", expected one of: reset, drop, duplicate, reorder, partition, isolate_primary, crash, new_address, pause, epoch_bump, endpoint_change, torn_write, disk_error; did you mean \"partition\"?"],
  ['bad_indent.yaml', "bad_indent.yaml:4:1: YAML syntax error: All mapping items must start at the same column, expected consistent indentation (spaces, same column for keys of one mapping)"],
  ['bad_server_name.yaml', "bad_server_name.yaml:3:13: cluster.servers[0]: found the string \"P1\", expected a name of lower-case letters, digits, \"_\" or \"-\", starting with a letter"],
  ['both_triggers.yaml', "both_triggers.yaml:3:14: timeline[0].when: the action has both at and when, expected exactly one trigger"],
  ['candidate_invariant_not_strict.yaml', "candidate_invariant_not_strict.yaml:2:16: expect.fail: W1 is a candidate invariant, reported as a finding unless run.strict is true, expected run.strict: true or a non-candidate invariant"],
  ['converged_at_point.yaml', "converged_at_point.yaml:6:10: timeline[0].that[0].converged_within: converged_within is checked at the end of the run only, expected it under the top-level assert"],
  ['drop_stream_frame.yaml', "drop_stream_frame.yaml:3:38: timeline[0].message: \"barrier_req\" travels on a TCP-like connection, which never loses one frame alone, expected a datagram kind (heartbeat, assignment, probe, probe_reply, executor_io, executor_io_reply) or reset_next / delay_next"],
  ['duplicate_action_id.yaml', "duplicate_action_id.yaml:4:10: timeline[1].id: duplicate action id \"bump\", expected each id once (first used at line 3)"],
  ['duration_without_unit.yaml', "duration_without_unit.yaml:3:10: timeline[0].at: found the number 2000, expected a non-negative duration with a unit, like 500ms, 2s, 1m30s"],
  ['empty_timeline.yaml', 'empty_timeline.yaml:2:10: timeline: found an empty value, expected a list, each a mapping with a "do:" key'],
  ['empty.yaml', "empty.yaml:1:1: the file is empty (no scenario in it), expected a mapping with at least name:"],
  ['executor_step_too_high.yaml', "executor_step_too_high.yaml:3:51: timeline[0].when.step: the catchup executor has at most 4 steps, found step 7, expected 1..4"],
  ['fractional_ms.yaml', "fractional_ms.yaml:3:16: run.fault_phase: duration \"1.0005s\" is not a whole number of milliseconds (virtual time is integer ms), expected a non-negative duration with a unit, like 500ms, 2s, 1m30s"],
  ['json_unknown_key.json', "json_unknown_key.json:3:3: clustr: unknown key \"clustr\"; did you mean \"cluster\"? expected one of: name, description, tags, cluster, workload, timeline, free, run, expect, assert"],
  ['lba_outside_volume.yaml', "lba_outside_volume.yaml:3:30: timeline[0].lba: blocks 15..16 are outside the volume, expected lba + blocks <= cluster.num_blocks (16)"],
  ['legacy_primary.yaml', "legacy_primary.yaml:4:19: cluster.legacy_replica: \"p\" is the initial primary (the first of cluster.servers), expected a replica"],
  ['missing_do.yaml', "missing_do.yaml:3:5: timeline[0]: missing key \"do\", expected one of: write, trim, read, sync, crash, restart, partition, isolate, heal, pause, failover, epoch_bump, endpoint_change, drop_next, delay_next, duplicate_next, reset_next, disk_error, flush, assign_rebuild, set_bug, assert"],
  ['missing_name.yaml', "missing_name.yaml:1:1: missing key \"name\", expected a scenario name (lower-case letters, digits, \".\", \"_\" or \"-\")"],
  ['negative_duration.yaml', "negative_duration.yaml:3:10: timeline[0].at: negative duration \"-2s\", expected a non-negative duration with a unit, like 500ms, 2s, 1m30s"],
  ['negative_seeds.yaml', "negative_seeds.yaml:3:10: free.seeds: found the number -1, expected a number >= 1"],
  ['no_trigger.yaml', "no_trigger.yaml:3:5: timeline[0]: the epoch_bump action has no trigger, expected at: <duration> or when: <condition>"],
  ['only_comments.yaml', "only_comments.yaml:1:1: the file is empty (no scenario in it), expected a mapping with at least name:"],
  ['timeout_without_when.yaml', "timeout_without_when.yaml:3:14: timeline[0].timeout: timeout applies to a when condition, expected it only on an action with when"],
  ['too_few_servers.yaml', "too_few_servers.yaml:3:12: cluster.servers: found 1 item, expected at least 2"],
  ['sync_quorum_two_servers.yaml', "sync_quorum_two_servers.yaml:4:15: cluster.durability: durability sync_quorum with 2 servers under control: upstream, which the master refuses to create (blockvol: sync_quorum requires replica_factor >= 3), expected at least 3 servers or another mode"],
  ['top_level_list.yaml', "top_level_list.yaml:1:1: found a list at the top level, expected a mapping of scenario keys (name, cluster, workload, timeline, free, run, expect, assert)"],
  ['trailing_comma.json', "trailing_comma.json:4:1: JSON syntax error: Expected double-quoted property name, expected strict JSON (no comments, no trailing commas)"],
  ['two_condition_tags.yaml', "two_condition_tags.yaml:3:32: timeline[0].when.primary: a condition has \"lsn_committed\" and \"primary\", expected exactly one of the keys sender_state, shipper_state, session_kind, executor, event, lsn_committed, flushed_lsn, in_sync_count, primary, after"],
  ['unknown_action_key.yaml', "unknown_action_key.yaml:5:5: timeline[0].sever: unknown key \"sever\"; did you mean \"server\"? expected one of: do, id, at, when, timeout, delay, optional, note, server, unsynced, restart_after, new_address"],
  ['unknown_action_kind.yaml', "unknown_action_kind.yaml:3:18: timeline[0].do: found the string \"crsh\", expected one of: write, trim, read, sync, crash, restart, partition, isolate, heal, pause, failover, epoch_bump, endpoint_change, drop_next, delay_next, duplicate_next, reset_next, disk_error, flush, assign_rebuild, set_bug, assert; did you mean \"crash\"?"],
  ['unknown_after_id.yaml', "unknown_after_id.yaml:4:20: timeline[1].when.after: unknown action id \"cutt\", expected the id of another action (cut); did you mean \"cut\"?"],
  ['unknown_bug.yaml', "unknown_bug.yaml:3:15: cluster.bugs[1]: found the string \"B99\", expected one of: B4, B5, B7, B8, B9, B11, B12a, B12b, B12c, B12d, B13, B27, B20, B23, B30, B31, B32, B18, B19, B26, B28, B29; did you mean \"B9\"?"],
  ['unknown_cluster_key.yaml', "unknown_cluster_key.yaml:4:3: cluster.flusher_intervall: unknown key \"flusher_intervall\"; did you mean \"flusher_interval\"? expected one of: servers, durability, block_size, num_blocks, wal_size, flusher_interval, wal_full_timeout, rebuild_transfer, heartbeat_interval, lease, retry_interval, retention_timeout, latency, dial_timeout, interleave_permille, lock_free_yield_permille, wildcard_listen, legacy_replica, scan_only_catchup, replan_on_redelivery, control, upstream_commit, bugs"],
  ['unknown_condition_key.yaml', "unknown_condition_key.yaml:3:26: timeline[0].when.sender_stat: unknown key \"sender_stat\"; did you mean \"sender_state\"? expected a condition with one of the keys sender_state, shipper_state, session_kind, executor, event, lsn_committed, flushed_lsn, in_sync_count, primary, after"],
  ['unknown_event.yaml', "unknown_event.yaml:3:20: timeline[0].when.event: found the string \"session_creatd\", expected one of: sender_added, sender_removed, session_invalidated, session_created, session_superseded, session_failed, connect_failed, connected, handshake_failed, handshake, escalated, completed, catchup_begin_failed, catchup_started, catchup_progress_failed, budget_escalated, truncation_failed, truncation_recorded, completion_rejected, rebuild_connect_failed, rebuild_connected, rebuild_source_failed, rebuild_source_selected, rebuild_failed, rebuild_completed, plan_truncate_only, wal_pin_failed, plan_catchup, snapshot_pin_failed, plan_rebuild_snapshot_tail, full_base_pin_failed, plan_rebuild_full_base, plan_cancelled, exec_catchup_started, exec_truncation, truncation_escalated, exec_completed, exec_resources_released, exec_rebuild_started, exec_rebuild_completed; did you mean \"session_created\"?"],
  ['unknown_executor_step.yaml', "unknown_executor_step.yaml:3:51: timeline[0].when.step: \"beginConnect\" is not a step of the catchup executor, expected one of: beginCatchUp, recordCatchUpProgress, recordTruncation, invalidateSession, completeSessionByID"],
  ['unknown_finding.yaml', "unknown_finding.yaml:2:19: expect.finding: found the string \"H2l\", expected one of: H1, H2, H3, H11, H20, H21, H22, H23, H24, H25, H27, H28, H29, H30, H31, H32, H33, H34, H35, H36, H37, H38, H39, H40, H41, H42, H43, H44, H45, H46, H47, H48; did you mean \"H2\"?"],
  ['unknown_invariant.yaml', "unknown_invariant.yaml:2:16: expect.fail: found the string \"I99\", expected one of: I1, I2, I3, I4, I5, I6, I7, I8, I9, I10, I11, I12, I13, I14, I15, I16, I17, I18, I19, I20, I21, I22, I23, I24, I25, I26, I27, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, E1, E2, E3, LIVELOCK, SCENARIO, CRASH, R1, R2, R3, R4, R5, B32-RES; did you mean \"I9\"?"],
  ['unknown_message_kind.yaml', "unknown_message_kind.yaml:3:38: timeline[0].message: found the string \"hearbeat\", expected one of: heartbeat, assignment, probe, probe_reply, executor_io, executor_io_reply, wal_entry, resume_ship_req, resume_ship_resp, catchup_done, barrier_req, barrier_resp, rebuild_req, rebuild_entry, rebuild_extent, rebuild_done, rebuild_error, client_write, client_trim, client_read, client_sync; did you mean \"heartbeat\"?"],
  ['unknown_partition_host.yaml', "unknown_partition_host.yaml:3:43: timeline[0].between[1]: unknown host \"mastr\", expected a server (n1, n2, n3), master or client; did you mean \"master\"?"],
  ['unknown_sender_state.yaml', "unknown_sender_state.yaml:3:40: timeline[0].when.sender_state: found the string \"catchingup\", expected one of: disconnected, connecting, catching_up, in_sync, degraded, needs_rebuild; did you mean \"catching_up\"?"],
  ['unknown_server.yaml', "unknown_server.yaml:5:33: timeline[0].server: unknown server \"r3\", expected one of the servers in cluster.servers: p, r1, r2; did you mean \"r1\"?"],
  ['unknown_server_in_when.yaml', "unknown_server_in_when.yaml:5:22: timeline[0].when.replica: unknown server \"r9\", expected one of the servers in cluster.servers: p, r1; did you mean \"r1\"?"],
  ['unknown_top_key.yaml', "unknown_top_key.yaml:2:1: timline: unknown key \"timline\"; did you mean \"timeline\"? expected one of: name, description, tags, cluster, workload, timeline, free, run, expect, assert"],
  ['unparsable_duration.yaml', "unparsable_duration.yaml:3:10: cluster.lease: cannot parse duration \"three seconds\", expected a non-negative duration with a unit, like 500ms, 2s, 1m30s"],
  ['wrong_type_bool.yaml', "wrong_type_bool.yaml:3:20: cluster.wildcard_listen: found the string \"maybe\", expected true or false"],
  ['wrong_type_servers.yaml', "wrong_type_servers.yaml:3:12: cluster.servers: found the string \"p\", expected a list, each a server name (one of cluster.servers)"],
  ['wrong_type_wal_size.yaml', "wrong_type_wal_size.yaml:3:13: cluster.wal_size: found the string \"big\", expected a whole number"],
  ['yaml_duplicate_key.yaml', "yaml_duplicate_key.yaml:4:3: YAML syntax error: Map keys must be unique, expected each key once in a mapping"],
  ['yaml_syntax_error.yaml', "yaml_syntax_error.yaml:4:1: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }, expected consistent indentation (spaces, same column for keys of one mapping)"],
];

function firstError(file: string): string {
  const r = checkScenarioText(readFileSync(join(MALFORMED, file), 'utf8'), file);
  if (r.ok) return 'parsed without error';
  return formatIssue(r.error.first);
}

describe('malformed scenario files', () => {
  it('there are at least 30, and every one has its expected error', () => {
    const files = readdirSync(MALFORMED).sort();
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(EXPECTED.map(([f]) => f).sort()).toEqual(files);
  });

  for (const [file, line] of EXPECTED) {
    it(file, () => {
      expect(firstError(file)).toBe(line);
    });
  }

  it('every message says what is wrong and what was expected, with no stack trace', () => {
    for (const [file] of EXPECTED) {
      const r = checkScenarioText(readFileSync(join(MALFORMED, file), 'utf8'), file);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error).toBeInstanceOf(ScenarioError);
      for (const i of r.error.issues) {
        expect(formatIssue(i)).toMatch(/^[^:]+:\d+:\d+: .*expected/);
        expect(formatIssue(i)).not.toMatch(/\n\s+at /);
      }
    }
  });

  it('parseScenarioFile throws a ScenarioError; a missing file is one too', () => {
    expect(() => parseScenarioFile(join(MALFORMED, 'unknown_server.yaml'))).toThrow(ScenarioError);
    expect(() => parseScenarioFile(join(MALFORMED, 'no-such-file.yaml'))).toThrow(/no-such-file.yaml:1:1: cannot read the file \(ENOENT\)/);
  });

  it('reports every problem of a file in file order (up to ten)', () => {
    const r = checkScenarioText('name: x\ncluster:\n  sever: [a]\n  lease: 3\ntimeline:\n  - {at: 1s, do: crsh}\n', 't.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.issues.map((i) => `${i.line}:${i.column}`)).toEqual(['3:3', '4:10', '6:18']);
  });

  it('rejects an unsupported file type', () => {
    expect(() => parseScenarioText('name: x', 'a.toml')).toThrow('a.toml:1:1: unsupported file type ".toml", expected a .yaml, .yml or .json file');
  });
});

describe('valid scenarios', () => {
  it('a minimal file takes every documented default', () => {
    const s = parseScenarioText('name: minimal\n', 'm.yaml');
    expect(s).toEqual({
      name: 'minimal', description: '', tags: [],
      cluster: {
        servers: ['n1', 'n2', 'n3'], durability: 'sync_all', block_size: 16, num_blocks: 16, wal_size: 16384,
        flusher_interval: 100, rebuild_transfer: 0, heartbeat_interval: 500, lease: 3000, retry_interval: 1000, retention_timeout: 300_000,
        latency: { min: 1, max: 3 }, dial_timeout: 3000, interleave_permille: 100, lock_free_yield_permille: 0, wildcard_listen: false,
        scan_only_catchup: false, replan_on_redelivery: true, control: 'upstream', bugs: [],
      },
      workload: { ops: [], start: 0, client_timeout: 8000, queue_depth: 1, clients: 1 },
      timeline: [],
      free: { seeds: 1, first_seed: 1, profile: 'basic', faults: [], injector: 'off' },
      run: { fault_phase: 30_000, quiet_phase: 60_000, max_steps: 2_000_000, strict: false },
      expect: { outcome: 'pass' },
      assert: [],
    });
  });

  it('the epoch bump between the catch-up executor\'s 2nd and 3rd step is one line', () => {
    const s = parseScenarioText('name: x\ncluster: {servers: [p, r1]}\ntimeline:\n  - {when: {executor: catchup, replica: r1, step: 2}, timeout: 20s, do: epoch_bump}\n', 'x.yaml');
    expect(s.timeline).toEqual([{ do: 'epoch_bump', when: { executor: 'catchup', replica: 'r1', step: 2, count: 1 }, timeout: 20_000, optional: false }]);
  });

  it('expectations normalise to an outcome', () => {
    const e = (y: string) => parseScenarioText(`name: x\nexpect: ${y}\n`, 'x.yaml').expect;
    expect(e('pass')).toEqual({ outcome: 'pass' });
    expect(e('{fail: I16}')).toEqual({ outcome: 'fail', invariant: 'I16' });
    expect(e('{finding: H21}')).toEqual({ outcome: 'finding', finding: 'H21' });
    expect(e('{finding: H21, invariant: E1}')).toEqual({ outcome: 'finding', finding: 'H21', invariant: 'E1' });
  });

  it('a .json scenario parses like its YAML twin', () => {
    const json = parseScenarioText('{"name": "j", "timeline": [{"at": "2s", "do": "crash", "server": "n2", "unsynced": "torn_tail"}]}', 'j.json');
    const yaml = parseScenarioText('name: j\ntimeline:\n  - {at: 2s, do: crash, server: n2, unsynced: torn_tail}\n', 'j.yaml');
    expect(json).toEqual(yaml);
    expect(json.timeline[0]).toEqual({ do: 'crash', at: 2000, server: 'n2', unsynced: 'torn_tail', new_address: false, optional: false });
  });

  it('every example in scenarios/ parses, and starts with the schema modeline', () => {
    const dir = join(ROOT, 'scenarios');
    const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f) && f !== 'schema.json');
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text.split('\n')[0], f).toBe('# yaml-language-server: $schema=./schema.json');
      const s = parseScenarioFile(join(dir, f));
      expect(s.name, f).toBe(f.replace(/\.ya?ml$/, ''));
    }
  });

  it('the epoch-bump example has the structure the runner will read', () => {
    const s = parseScenarioFile(join(ROOT, 'scenarios', 'epoch-bump-mid-catchup.yaml'));
    expect(s.cluster.servers).toEqual(['p', 'r1', 'r2']);
    expect(s.workload.generate).toMatchObject({ rate: 50, until: 12_000 });
    expect(s.timeline[0]).toMatchObject({ id: 'cut', at: 2000, do: 'partition', between: ['p', 'r1'], symmetric: true, heal_after: 3000 });
    expect(s.timeline[1]).toMatchObject({ id: 'bump', do: 'epoch_bump', when: { executor: 'catchup', replica: 'r1', step: 2 } });
    expect(s.assert).toContainEqual({ converged_within: 30_000 });
  });
});

describe('durations', () => {
  it('parse to whole virtual milliseconds and format back', () => {
    for (const [t, ms] of [['0', 0], ['0s', 0], ['250ms', 250], ['2s', 2000], ['1.5s', 1500], ['1m30s', 90_000], ['1h', 3_600_000]] as const) {
      expect(parseDuration(t)).toEqual({ ms });
      expect(parseDuration(formatDuration(ms))).toEqual({ ms });
    }
    expect(parseDuration('-1s')).toHaveProperty('error');
    expect(parseDuration('5')).toHaveProperty('error');
    expect(parseDuration('2s3')).toHaveProperty('error');
  });
});

describe('scenarios/schema.json', () => {
  it('is the generated form of src/scenario/schema.ts (run npm run gen:schema when this fails)', () => {
    expect(readFileSync(join(ROOT, 'scenarios', 'schema.json'), 'utf8')).toBe(scenarioJSONSchemaText());
  });
});

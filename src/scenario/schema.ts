// The scenario format's single definition: one zod schema from which come the TypeScript types
// (`Scenario`, the parsed value with defaults filled and durations in virtual ms), the validator
// (parse.ts maps its issues back to YAML line/column) and scenarios/schema.json (json_schema.ts).
// Checks the schema cannot express (names that must exist, duplicate ids, cycles) live in
// semantic.ts. docs/scenarios.md documents every key; a test keeps the two in step.
//
// Why zod 4: one library gives static types, validation and a JSON Schema (z.toJSONSchema), with
// issue paths as plain arrays; discriminated unions report a bad `do:`/`op:` value at the key with
// the allowed values, and strict objects list the unrecognized keys, which is what "did you mean"
// needs. (TypeBox + ajv reports a failed oneOf as one error per branch with JSON Pointer paths.)
//
// Simulator hooks behind each key:
//   cluster.*          VolumeNode config (NodeConfig: flushIntervalMs, heartbeatMs, retryMs, walSize,
//                      blockSize, numBlocks, durability, interleavePermille, lockFreeYieldPermille, scanOnlyCatchUp,
//                      replanOnRedelivery), Master leaseMs, Network latency/dialTimeout — all
//                      exist; retention_timeout needs ShipperGroup.evaluateRetentionBudgets(timeoutMs)
//                      called with it (the parameter exists); server names map in order to n1.. / s1..
//   free.faults        a FaultPlan drawn from free.profile with every kind not listed set to 0
//   workload.generate  Client config (intervalMs = 1000/rate, syncPermille, trimPermille, a read
//                      share — today a constant READ_PERMILLE —, maxWriteBlocks, stopAt, idle quiet)
//   workload.ops, write/trim/read/sync   a scripted Client mode: issue one given op, one at a time
//   workload.queue_depth, clients   FaultPlan.queueDepth / clients: each Client's queue, how many run
//   at                 Kernel.schedule at an absolute virtual time
//   when               a condition poll after every step (World.step), armed at start or at `after`
//   crash              VolumeNode.crash with a forced CrashFate for unsynced writes (SimDisk.crash
//                      takes a chooser today: needs a fate override), restart via VolumeNode.boot
//   restart            VolumeNode.boot(newAddress)      (exists)
//   partition/heal     Network.partition(a, b, symmetric) / heal / healAll   (exist)
//   isolate            Cluster.isolatePrimary generalised to any server
//   pause              VolumeNode.pause(until)          (exists)
//   failover           Master: fail over now, optionally to a given server (today only on lease expiry)
//   epoch_bump         Master.bumpEpoch + deliverAll   (exist)
//   endpoint_change    crash + boot(true) + the master's endpoint version bump (exists as a fault)
//   drop_next/delay_next/duplicate_next/reset_next   a one-shot filter in Network.sendDatagram and
//                      Network.transmit keyed by message kind (stream frames named by frame_kinds.ts)
//   disk_error         SimDisk: fail the next write/fsync/read (its fault chooser, forced once)
//   flush              the node's flusher: run one cycle now
//   assign_rebuild     Master: mark a replica for rebuild (today from the primary's report)
//   set_bug            Cluster.setBug (the switch objects every component reads)
//   sender_state, session_kind, in_sync_count   RecoveryDriver registry status (exists)
//   shipper_state      ShipperGroup shipper by replica address (exists)
//   executor           RecoveryManager: report each executor yield label (it keeps lastLabel)
//   event              RecoveryLog of the primary's engine (exists), counted across incarnations
//   lsn_committed      primary's committed LSN; flushed_lsn: a replica receiver's flushedLSN (exist)
//   primary            Master.primaryServerID()        (exists)
//   content            Oracle expected image vs a server's volume (the E1/E2 machinery)
//   converged_within   E3's convergence check with a bound measured from the quiet phase start
//   expect             the run's outcome: failing invariant id, findings (trace outcome)
import * as z from 'zod';
import { DURATION_EXPECTED, DURATION_PATTERN, parseDuration } from './duration.ts';
import { DEFAULT_CONTROL } from '../sim/control_plane.ts';
import {
  BUG_IDS, CLUSTER_DEFAULTS, DURABILITY_MODES, EVENTS, EXECUTOR_STEP_NAMES, FAULT_KINDS, FINDING_IDS, INVARIANT_IDS,
  MESSAGE_KINDS, PROFILES, SENDER_STATES, SESSION_KINDS, SHIPPER_STATES,
} from './names.ts';

// ---- building blocks -------------------------------------------------------------------------

/** A duration ("500ms", "2s", "1m30s") → virtual ms. One instance, so errors can recognise it. */
export const Duration = z
  .string()
  .meta({ id: 'Duration', pattern: DURATION_PATTERN, description: DURATION_EXPECTED.replace(/^expected /, '') })
  .check((ctx) => {
    const r = parseDuration(ctx.value);
    if ('error' in r) ctx.issues.push({ code: 'custom', message: r.error, input: ctx.value });
  })
  .transform((s) => (parseDuration(s) as { ms: number }).ms);

const NAME_RE = /^[a-z][a-z0-9_-]*$/;
/** A server name declared in cluster.servers (semantic.ts checks the reference exists). */
export const ServerName = z.string().regex(NAME_RE, { error: 'expected a name of lower-case letters, digits, "_" or "-", starting with a letter' }).meta({ id: 'ServerName' });
/** A host that can be partitioned: a server name, `master` or `client`. */
const HostName = ServerName;
export const ActionId = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, { error: 'expected an id of letters, digits, "_" or "-", starting with a letter' }).meta({ id: 'ActionId' });
const Lsn = z.number().int().min(0).meta({ id: 'Lsn' });
const Count = z.number().int().min(1).meta({ id: 'Count' });
const Permille = z.number().int().min(0).max(1000).meta({ id: 'Permille' });
const EventName = z.enum(EVENTS).meta({ id: 'RecoveryEvent' });
const BugId = z.enum(BUG_IDS).meta({ id: 'BugId' });
const InvariantId = z.enum(INVARIANT_IDS).meta({ id: 'InvariantId' });
const Lba = z.number().int().min(0).meta({ id: 'Lba' });

/**
 * A union told apart by which tag key an object has (`sender_state`, `event`, ...), as the
 * issue's condition syntax wants. parse.ts reads KEYED_UNIONS to report the errors of the branch
 * whose tag is present, not of every branch.
 */
export interface KeyedUnionInfo { readonly tags: readonly string[]; readonly what: string; readonly literal?: string }
export const KEYED_UNIONS = new WeakMap<object, KeyedUnionInfo>();
function keyedUnion<const T extends readonly [z.ZodType, ...z.ZodType[]]>(what: string, tags: readonly string[], options: T, literal?: string) {
  const u = z.union(options).meta({ id: what[0]!.toUpperCase() + what.slice(1) });
  KEYED_UNIONS.set(u, literal === undefined ? { tags, what } : { tags, what, literal });
  return u;
}

// ---- cluster -----------------------------------------------------------------------------------

const D = CLUSTER_DEFAULTS;
const ms = (n: number) => `${n}ms`;

export const Cluster = z.strictObject({
  servers: z.array(ServerName).min(2).max(5).default([...D.servers])
    .describe('server names; the first is the initial primary, the rest replicas (simulator nodes n1.., server ids s1..)'),
  durability: z.enum(DURABILITY_MODES).default(D.durability).describe('durability mode of the volume'),
  block_size: z.number().int().min(16).multipleOf(16).default(D.blockSize).describe('block size in bytes (superblock BlockSize; a multiple of the simulated 16-byte sector)'),
  num_blocks: z.number().int().min(1).default(D.numBlocks).describe('blocks in the volume'),
  wal_size: z.number().int().min(256).default(D.walSize).describe('WAL region size in bytes'),
  flusher_interval: Duration.prefault(ms(D.flusherIntervalMs)).describe('flusher period (BlockVolConfig.FlushInterval); every flush that flushed something persists the checkpoint, so this is also the checkpoint cadence'),
  wal_full_timeout: Duration.optional().describe('how long an append polls a full WAL (every 1 ms) before failing (BlockVolConfig.WALFullTimeout, upstream default 5s); default: the simulator\'s 300 polls'),
  rebuild_transfer: Duration.prefault(ms(0)).describe('how long a rebuild server takes to send the volume\'s extent, one block per frame (the copy time of the volume this one stands for); 0: at once'),
  heartbeat_interval: Duration.prefault(ms(D.heartbeatIntervalMs)).describe('volume server heartbeat period'),
  lease: Duration.prefault(ms(D.leaseMs)).describe('primary lease at the master; a primary silent this long is failed over'),
  retry_interval: Duration.prefault(ms(D.retryMs)).describe('recovery retry period'),
  retention_timeout: Duration.prefault(ms(D.retentionTimeoutMs)).describe('WAL retention timeout: a replica holding the WAL longer is sent to rebuild'),
  latency: z.strictObject({
    min: Duration.prefault(ms(D.latencyMinMs)),
    max: Duration.prefault(ms(D.latencyMaxMs)),
  }).prefault({}).describe('one-way network latency range'),
  dial_timeout: Duration.prefault(ms(D.dialTimeoutMs)).describe('how long a dial into a partition hangs'),
  interleave_permille: Permille.default(D.interleavePermille).describe('chance per step of a synchronous volume operation that another operation runs first'),
  lock_free_yield_permille: Permille.default(0).describe('chance at each point where upstream holds no lock (a plan between reading retained history and taking its pin; between planning and executing a catch-up) that other events run first (docs/scheduling.md); 0 = none'),
  wildcard_listen: z.boolean().default(false).describe('replicas bind wildcard listen addresses (B18)'),
  legacy_replica: ServerName.optional().describe('a replica running the old version (legacy 1-byte barrier reply, B26) until the quiet phase'),
  scan_only_catchup: z.boolean().default(false).describe('catch-up StreamWALEntries only scans (the target v2bridge, H9)'),
  replan_on_redelivery: z.boolean().default(true).describe('re-delivered assignments re-apply recovery targets (H14)'),
  control: z.enum(['ideal', 'upstream']).default(DEFAULT_CONTROL).describe('control plane: upstream (the ported master and block service, default) or ideal (a model of the intended V2 design)'),
  upstream_commit: z.enum(['c7eb87c58', '3ec8fab2f']).optional().describe('with control: upstream, the upstream commit the master and block service behave as: 3ec8fab2f (default; wires the V2 engine) or c7eb87c58 (no V2 engine)'),
  bugs: z.array(BugId).default([]).describe('known-bug switches on from the start'),
});

// ---- workload ----------------------------------------------------------------------------------

const writeArgs = { lba: Lba, blocks: Count.default(1), repeat: Count.default(1) };
const trimArgs = { lba: Lba, blocks: Count.default(1) };
const readArgs = { lba: Lba };

export const ClientOp = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('write'), ...writeArgs }),
  z.strictObject({ op: z.literal('trim'), ...trimArgs }),
  z.strictObject({ op: z.literal('read'), ...readArgs }),
  z.strictObject({ op: z.literal('sync') }),
  z.strictObject({ op: z.literal('think'), for: Duration }),
]);

export const Generate = z.strictObject({
  rate: z.number().int().min(1).max(1000).describe('client operations per second of virtual time'),
  from: Duration.prefault('0s'),
  until: Duration.optional().describe('default: the end of the fault phase'),
  sync_permille: Permille.default(100),
  trim_permille: Permille.default(0),
  read_permille: Permille.default(150),
  max_write_blocks: z.number().int().min(1).max(16).default(1),
  think_max: Duration.optional().describe("the client's think time is uniform in [1ms, think_max]; default about 2000/rate ms (files saved from a trace state the seed's exactly)"),
  idle_quiet: z.boolean().default(false).describe('no SyncCache in the quiet phase (else one every 2s)'),
});

export const Workload = z.strictObject({
  ops: z.array(ClientOp).default([]).describe('client operations run back to back from `start`'),
  start: Duration.prefault('0s'),
  generate: Generate.optional(),
  client_timeout: Duration.prefault('8s'),
  queue_depth: z.number().int().min(1).max(64).default(1)
    .describe('commands each client keeps outstanding in the generated load, as an iSCSI initiator queues them (1: one at a time; the quiet phase syncs one at a time)'),
  clients: z.number().int().min(1).max(8).default(1)
    .describe('clients (initiators on the client host) each running the generated load with its own queue; `ops` and timeline client actions run on the first, one at a time'),
});

// ---- conditions and assertions -------------------------------------------------------------------

const StepRef = z.union([z.number().int().min(1), z.enum(EXECUTOR_STEP_NAMES)]).meta({ id: 'ExecutorStep' });
const LsnBound = Lsn;

const condSender = z.strictObject({ replica: ServerName, sender_state: z.enum(SENDER_STATES) });
const condShipper = z.strictObject({ replica: ServerName, shipper_state: z.enum(SHIPPER_STATES) });
const condSessionKind = z.strictObject({ replica: ServerName, session_kind: z.enum(SESSION_KINDS) });
const condExecutor = z.strictObject({
  executor: z.enum(['catchup', 'rebuild']),
  replica: ServerName.optional(),
  step: StepRef,
  count: Count.default(1),
});
const condEvent = z.strictObject({ event: EventName, replica: ServerName.optional(), count: Count.default(1) });
const condCommitted = z.strictObject({ lsn_committed: LsnBound });
const condFlushed = z.strictObject({ replica: ServerName, flushed_lsn: LsnBound });
const condInSync = z.strictObject({ in_sync_count: z.number().int().min(0) });
const condPrimary = z.strictObject({ primary: ServerName });
const condAfter = z.strictObject({ after: ActionId });

export const Condition = keyedUnion('condition', [
  'sender_state', 'shipper_state', 'session_kind', 'executor', 'event', 'lsn_committed', 'flushed_lsn', 'in_sync_count', 'primary', 'after',
], [condSender, condShipper, condSessionKind, condExecutor, condEvent, condCommitted, condFlushed, condInSync, condPrimary, condAfter]);

const assertEvent = z.strictObject({
  event: EventName,
  replica: ServerName.optional(),
  present: z.boolean().default(true),
  count: Count.optional().describe('exactly this many times (default: at least once)'),
});
const assertContent = z.strictObject({ content: z.literal('matches_oracle'), servers: z.array(ServerName).optional() });
const assertConverged = z.strictObject({ converged_within: Duration });

export const Assertion = keyedUnion('assertion', [
  'sender_state', 'shipper_state', 'session_kind', 'event', 'lsn_committed', 'flushed_lsn', 'in_sync_count', 'primary', 'content', 'converged_within',
], [condSender, condShipper, condSessionKind, assertEvent, condCommitted, condFlushed, condInSync, condPrimary, assertContent, assertConverged]);

// ---- timeline actions ------------------------------------------------------------------------------

/** Fields every action has: an optional id, its trigger (`at` or `when`), a timeout, a delay. */
const base = {
  id: ActionId.optional(),
  at: Duration.optional(),
  when: Condition.optional(),
  timeout: Duration.optional(),
  delay: Duration.optional(),
  optional: z.boolean().default(false),
  note: z.string().optional(),
};

const act = <const K extends string, S extends z.core.$ZodLooseShape>(kind: K, shape: S) =>
  z.strictObject({ do: z.literal(kind), ...base, ...shape });

const Pair = z.tuple([HostName, HostName]).meta({ id: 'HostPair' });
const messageArgs = { message: z.enum(MESSAGE_KINDS).meta({ id: 'MessageKind' }), from: HostName.optional(), to: HostName.optional(), count: Count.default(1) };

export const Action = z.discriminatedUnion('do', [
  act('write', writeArgs),
  act('trim', trimArgs),
  act('read', readArgs),
  act('sync', {}),
  act('crash', {
    server: ServerName,
    unsynced: z.enum(['free', 'lost', 'persisted', 'torn_tail']).default('free'),
    restart_after: Duration.optional(),
    new_address: z.boolean().default(false),
  }),
  act('restart', { server: ServerName, new_address: z.boolean().default(false) }),
  act('partition', { between: Pair, symmetric: z.boolean().default(true), heal_after: Duration.optional() }),
  act('isolate', { server: ServerName, heal_after: Duration.optional() }),
  act('heal', { between: Pair.optional() }),
  act('pause', { server: ServerName, for: Duration }),
  act('failover', { to: ServerName.optional() }),
  act('epoch_bump', {}),
  act('endpoint_change', { server: ServerName }),
  act('drop_next', messageArgs),
  act('delay_next', { ...messageArgs, by: Duration }),
  act('duplicate_next', messageArgs),
  act('reset_next', messageArgs),
  act('disk_error', { server: ServerName, io: z.enum(['write', 'fsync', 'read', 'any']).default('any'), count: Count.default(1) }),
  act('flush', { server: ServerName }),
  act('assign_rebuild', { replica: ServerName }),
  act('set_bug', { bug: BugId, on: z.boolean().default(true) }),
  act('assert', { that: z.array(Assertion).min(1) }),
]);

// ---- what stays free, the run, expectations ---------------------------------------------------------

export const Free = z.strictObject({
  seeds: z.number().int().min(1).default(1).describe('how many seeds to run'),
  first_seed: z.number().int().min(0).default(1),
  profile: z.enum(PROFILES).default('basic').describe('the profile whose ranges free fault kinds draw from (default basic, the fuzzer\'s former default); the file\'s own durability, servers and control plane always apply'),
  faults: z.array(z.enum(FAULT_KINDS)).default([]).describe('fault kinds the seed may still draw; all others are off'),
  injector: z.enum(['off', 'shadow']).default('off')
    .describe("shadow: the seed's fault injector ticks and draws as in its fuzz run but applies nothing (the timeline does), so the seed's other draws line up; for files saved from a trace"),
});

export const Run = z.strictObject({
  fault_phase: Duration.prefault('30s'),
  quiet_phase: Duration.prefault('60s'),
  max_steps: z.number().int().min(1).default(2_000_000),
  strict: z.boolean().default(false).describe('candidate invariants fail instead of being findings'),
});

const expectPass = z.literal('pass').transform(() => ({ outcome: 'pass' as const }));
const expectFail = z.strictObject({ fail: InvariantId }).transform((e) => ({ outcome: 'fail' as const, invariant: e.fail }));
const expectFinding = z.strictObject({ finding: z.enum(FINDING_IDS), invariant: InvariantId.optional() })
  .transform((e) => ({ outcome: 'finding' as const, finding: e.finding, ...(e.invariant === undefined ? {} : { invariant: e.invariant }) }));
export const Expect = keyedUnion('expectation', ['', 'fail', 'finding'], [expectPass, expectFail, expectFinding], 'pass');

// ---- the scenario ---------------------------------------------------------------------------------

export const ScenarioName = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, { error: 'expected a name of lower-case letters, digits, ".", "_" or "-"' });
export const ScenarioSchema = z.strictObject({
  name: ScenarioName,
  description: z.string().default(''),
  tags: z.array(z.string()).default([]),
  cluster: Cluster.prefault({}),
  workload: Workload.prefault({}),
  timeline: z.array(Action).default([]),
  free: Free.prefault({}),
  run: Run.prefault({}),
  expect: Expect.prefault('pass'),
  assert: z.array(Assertion).default([]).describe('assertions checked at the end of the run'),
});

/** A parsed scenario: every default filled in, every duration in virtual ms. */
export type Scenario = z.output<typeof ScenarioSchema>;
/** What a scenario file holds (before defaults). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type ScenarioAction = Scenario['timeline'][number];
export type ScenarioCondition = z.output<typeof Condition>;
export type ScenarioAssertion = z.output<typeof Assertion>;
export type ScenarioExpect = Scenario['expect'];
export type ClusterSpec = Scenario['cluster'];
export type WorkloadSpec = Scenario['workload'];

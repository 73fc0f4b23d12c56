// A scenario saved from a trace, as plain editable data (`ScenarioDraft`) and its YAML text
// (`renderDraft`). from_trace.ts builds the draft of a failing seed's run; the structural shrinker
// (src/explore/shrink_structure.ts) edits it — drops timeline actions, message-fault kinds,
// servers, client load, shortens the phases — and renders every candidate with the same code, so
// a shrunk scenario file reads like any file saved from a trace. The text always parses
// (parse.ts); the draft keeps only what such a file states.

/** One fault of the trace as a timeline action. */
export interface TraceFault {
  /** The trace step that applied it, and its virtual time. */
  readonly step: number;
  readonly t: number;
  readonly do: 'crash' | 'partition' | 'isolate' | 'pause' | 'epoch_bump' | 'endpoint_change';
  /** What the trace said ("crash n1", "partition n1<->master"). */
  readonly detail: string;
  /** The action's fields after `do` (YAML flow text, in order). */
  readonly fields: [string, string][];
}

/** The generated client load (`workload.generate`). */
export interface DraftWorkload {
  readonly rate: number;
  readonly thinkMaxMs: number;
  readonly syncPermille: number;
  readonly trimPermille: number;
  readonly readPermille: number;
  readonly maxWriteBlocks: number;
  readonly idleQuiet: boolean;
  /** When the client stops issuing operations (absent: the end of the fault phase). */
  readonly untilMs?: number;
  /** Commands each client keeps outstanding and how many clients run the load (absent: 1, one at a time). */
  readonly queueDepth?: number;
  readonly clients?: number;
}

export interface ScenarioDraft {
  /** Comment lines at the top of the file, without the leading "# ". */
  readonly comments: readonly string[];
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly servers: readonly string[];
  readonly durability: string;
  readonly latency: { readonly minMs: number; readonly maxMs: number };
  readonly interleavePermille: number;
  /** lock_free_yield_permille, written only when not 0. */
  readonly lockFreeYieldPermille?: number;
  /** The flusher's period when not the default (the shrinker lengthens it: fewer flush steps). */
  readonly flusherIntervalMs?: number;
  /** The WAL region's size in bytes when not the default (the shrinker lowers it: less history to wrap). */
  readonly walSize?: number;
  /** A seed's drawn storage shape (src/sim/storage_shape.ts) beyond WAL size and flusher period, when it drew one. */
  readonly blockSize?: number;
  readonly numBlocks?: number;
  readonly walFullTimeoutMs?: number;
  readonly rebuildTransferMs?: number;
  /** The primary's lease at the master when not the default (the shrinker shortens it: earlier failovers). */
  readonly leaseMs?: number;
  readonly wildcardListen: boolean;
  /** The replica running the legacy version, or null. */
  readonly legacyReplica: string | null;
  readonly control: string;
  /** The upstream commit the run used (only under control upstream). */
  readonly upstreamCommit?: string;
  readonly bugs: readonly string[];
  /** The generated load; null: no client load at all. */
  readonly workload: DraftWorkload | null;
  readonly timeline: readonly TraceFault[];
  /** Fault steps the converter could not state (written as comments). */
  readonly unconverted: readonly string[];
  readonly seed: number;
  readonly profile: string;
  /** Per-message fault kinds left at the seed's rates (`free.faults`). */
  readonly messageFaults: readonly string[];
  readonly injector: 'shadow' | 'off';
  readonly faultPhaseMs: number;
  readonly quietPhaseMs: number;
  readonly maxSteps: number;
  readonly strict: boolean;
  /** The expectation as written: `{fail: I26}` or `{finding: H21, invariant: E1}`. */
  readonly expect: string;
}

/** Virtual ms as the file writes times: "2.631s", "12s", "250ms". */
export function seconds(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.floor(ms / 1000);
  const rest = ms % 1000;
  return rest === 0 ? `${s}s` : `${s}.${String(rest).padStart(3, '0').replace(/0+$/, '')}s`;
}

/** The server a fault names (`server:`), if any. */
export function faultServer(f: TraceFault): string | undefined {
  return f.fields.find(([k]) => k === 'server')?.[1];
}

/** Every host a fault names: its server, or both ends of a partition. */
export function faultHosts(f: TraceFault): string[] {
  const out: string[] = [];
  for (const [k, v] of f.fields) {
    if (k === 'server') out.push(v);
    if (k === 'between') out.push(...v.replace(/[[\]\s]/g, '').split(','));
  }
  return out;
}

function generateLine(w: DraftWorkload): string {
  const until = w.untilMs === undefined ? '' : `, until: ${seconds(w.untilMs)}`;
  return `  generate: {rate: ${w.rate}, think_max: ${w.thinkMaxMs}ms, sync_permille: ${w.syncPermille}, trim_permille: ${w.trimPermille}, read_permille: ${w.readPermille}, max_write_blocks: ${w.maxWriteBlocks}, idle_quiet: ${w.idleQuiet}${until}}`;
}

/** `workload.queue_depth` and `workload.clients`, stated only when not 1. */
function concurrencyLines(w: DraftWorkload): string[] {
  const L: string[] = [];
  if ((w.queueDepth ?? 1) > 1) L.push(`  queue_depth: ${w.queueDepth}`);
  if ((w.clients ?? 1) > 1) L.push(`  clients: ${w.clients}`);
  return L;
}

function timelineLines(d: ScenarioDraft): string[] {
  if (d.timeline.length === 0) return ['timeline: []   # no fault applied before the run ended'];
  const L = ['timeline:'];
  const ids = new Map<string, number>();
  for (const f of d.timeline) {
    const server = faultServer(f);
    const base = `${f.do.replace('_', '-')}${server === undefined ? '' : `-${server}`}`;
    const k = (ids.get(base) ?? 0) + 1;
    ids.set(base, k);
    const fields = f.fields.map(([key, v]) => `, ${key}: ${v}`).join('');
    L.push(`  - {id: ${k === 1 ? base : `${base}-${k}`}, at: ${seconds(f.t)}, do: ${f.do}${fields}, note: ${JSON.stringify(`trace step ${f.step}: ${f.detail}`)}}`);
  }
  return L;
}

/** The scenario file's text. */
export function renderDraft(d: ScenarioDraft): string {
  const L: string[] = [...d.comments.map((c) => (c === '' ? '#' : `# ${c}`))];
  L.push(
    `name: ${d.name}`,
    `description: ${JSON.stringify(d.description)}`,
    `tags: [${d.tags.join(', ')}]`,
    'cluster:',
    `  servers: [${d.servers.join(', ')}]`,
    `  durability: ${d.durability}`,
    `  latency: {min: ${seconds(d.latency.minMs)}, max: ${seconds(d.latency.maxMs)}}`,
    `  interleave_permille: ${d.interleavePermille}`,
  );
  if ((d.lockFreeYieldPermille ?? 0) > 0) L.push(`  lock_free_yield_permille: ${d.lockFreeYieldPermille}`);
  if (d.blockSize !== undefined) L.push(`  block_size: ${d.blockSize}`);
  if (d.numBlocks !== undefined) L.push(`  num_blocks: ${d.numBlocks}`);
  if (d.walSize !== undefined) L.push(`  wal_size: ${d.walSize}`);
  if (d.walFullTimeoutMs !== undefined) L.push(`  wal_full_timeout: ${seconds(d.walFullTimeoutMs)}`);
  if (d.flusherIntervalMs !== undefined) L.push(`  flusher_interval: ${seconds(d.flusherIntervalMs)}`);
  if ((d.rebuildTransferMs ?? 0) > 0) L.push(`  rebuild_transfer: ${seconds(d.rebuildTransferMs!)}`);
  if (d.leaseMs !== undefined) L.push(`  lease: ${seconds(d.leaseMs)}`);
  if (d.wildcardListen) L.push('  wildcard_listen: true');
  if (d.legacyReplica !== null) L.push(`  legacy_replica: ${d.legacyReplica}`);
  L.push(`  control: ${d.control}`);
  if (d.upstreamCommit !== undefined) L.push(`  upstream_commit: ${d.upstreamCommit}`);
  L.push(`  bugs: [${[...d.bugs].sort().join(', ')}]`);
  L.push(d.workload === null ? 'workload: {}   # no client load' : 'workload:');
  if (d.workload !== null) L.push(generateLine(d.workload), ...concurrencyLines(d.workload));
  L.push(...timelineLines(d));
  for (const u of d.unconverted) L.push(`  # not stated (this converter does not know the step): ${u.replace(/\n/g, ' ')}`);
  L.push(
    'free:',
    '  seeds: 1',
    `  first_seed: ${d.seed}`,
    `  profile: ${d.profile}`,
    `  faults: [${d.messageFaults.join(', ')}]`,
    `  injector: ${d.injector}`,
    'run:',
    `  fault_phase: ${seconds(d.faultPhaseMs)}`,
    `  quiet_phase: ${seconds(d.quietPhaseMs)}`,
    `  max_steps: ${d.maxSteps}`,
    `  strict: ${d.strict}`,
    `expect: ${d.expect}`,
  );
  return L.join('\n') + '\n';
}

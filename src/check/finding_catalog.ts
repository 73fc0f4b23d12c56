// The catalogue of findings: violations the checker proves are behaviour of the target (upstream
// code or its control plane), not porting errors. Each id has one line saying what happens and
// the control plane it was found under; the failure message names the id and its evidence, and
// README's findings table and docs/findings.md explain each. The spec's hazards stop at H19;
// H20 and above are this project's. H26 (an idle fresh shipper) was an artifact of a narrowed
// port of the B29 fix and is gone (docs/findings.md). Scenario files may `expect: {finding: ID}` for any id here.

export interface FindingInfo {
  readonly id: string;
  readonly meaning: string;
  /** Where it was found: under the model of the intended design, the ported upstream control plane, or both. */
  readonly foundUnder: 'ideal' | 'upstream' | 'both';
}

const F = (id: string, foundUnder: FindingInfo['foundUnder'], meaning: string): FindingInfo => ({ id, meaning, foundUnder });

export const FINDINGS: readonly FindingInfo[] = [
  F('H1', 'ideal', 'an append that fails burns its LSN: plans and contiguous apply meet a hole'),
  F('H2', 'ideal', 'a flush under a retention hold sets the checkpoint to the hold\'s floor, below LSNs already reclaimed: the WAL looks as if it held them'),
  F('H3', 'ideal', 'a stale, higher flushedLSN after a reset: the replica looks ahead or current while missing an entry'),
  F('H11', 'both', 'dirty-map publication race: two overlapping writes publish after shipMu in the opposite order of their LSNs, so the older data is served and flushed'),
  F('H20', 'ideal', 'catch-up streams entries of older epochs, which a replica at a newer epoch drops'),
  F('H21', 'ideal', 'forks: the same LSN allocated twice with different data; handshakes compare LSNs, not lineages'),
  F('H22', 'ideal', 'a plain progress store lowers the receiver\'s receivedLSN below the head it holds'),
  F('H23', 'ideal', 'the flusher reclaims the WAL tail before it persists the checkpoint the status reports'),
  F('H24', 'ideal', 'a rebuild install leaves flushedLSN stale, so every handshake escalates again'),
  F('H25', 'ideal', 'a rebuild or catch-up racing live shipping applies older entries over newer ones'),
  F('H27', 'ideal', 'an idle client: every re-delivered assignment plans the same catch-up again'),
  F('H28', 'ideal', 'sync_quorum: failover passes over the rebuilding replica that held a durable write'),
  F('H29', 'ideal', 'sync_quorum: every holder of a durable write is unavailable at a failover'),
  F('H30', 'ideal', 'sync_quorum: failover on a stale progress report promotes a server without the write'),
  F('H31', 'upstream', 'a restarted primary in RoleNone is re-promoted by a lease grant without replicas, or left in RoleNone, and serves writes unreplicated'),
  F('H32', 'upstream', 'the master lists a replica the primary was never told about, so it is never shipped to'),
  F('H33', 'upstream', 'a Rebuilding assignment with an empty rebuild address: the server never rebuilds'),
  F('H34', 'ideal', 'shipper group churn: role flips of one replica rebuild the group and cut every proactive reconnect of another'),
  F('H35', 'ideal', 'a shipper that live-shipped while Disconnected but never had a barrier counts as in contact, so the proactive reconnect skips it'),
  F('H36', 'upstream', 'a replica whose shipper reached NeedsRebuild is never rebuilt: the master cannot see it and no engine runs'),
  F('H37', 'upstream', 'at 3ec8fab2f a lease grant (a Primary assignment without replicas) removes every V2 sender on the primary, and nothing adds them back'),
  F('H38', 'upstream', 'a former primary failed over without restarting stays Primary: the Rebuilding assignment it gets on its return is an invalid transition, and nothing demotes it'),
  F('H39', 'upstream', 'the master writes the primary\'s reported replica address into Replicas[0], whichever server that is: a replica gets another\'s address'),
  F('H40', 'upstream', 'a Replica or Rebuilding assignment that fails on the server is confirmed by its next heartbeat (same path and epoch) and never sent again: the server stays RoleNone'),
  F('H41', 'upstream', 'a server the registry entry does not list reports the volume: reconcileOnRestart adds it as a replica without addresses and sends nothing, so it stays RoleNone'),
  F('H42', 'upstream', 'a replica apply that fails (I/O error) is only logged: later entries are gaps, and the primary\'s shipper stays InSync until a barrier'),
  F('H43', 'upstream', 'an entry lost with a data connection that broke after the write: the shipper reads nothing from it and stays InSync until its next write or barrier'),
  F('H44', 'upstream', 'a promotion at an epoch the promoted server already holds (the registry epoch went back): its own heartbeat confirms the Primary assignment before it is sent'),
  F('H45', 'upstream', 'a replica that restarts and reconnects before its old heartbeat stream is seen closed: the close is a phantom disconnect, nothing is failed over or queued, and it stays RoleNone'),
  F('H46', 'both', 'an aborted (timed-out) write is never cancelled: still queued on shipMu, it is appended after a later durable write to the same blocks and overwrites it'),
  F('H47', 'both', 'a WAL wedged after a retention hold: the held flush emptied the dirty map without moving the tail, so once the hold is gone no flush frees the full WAL and every write fails'),
  F('H48', 'upstream', 'a stale orphan-promotion timer, armed between a primary\'s reconnect and its first full report, promotes a replica over the live primary (its lease may still run); the old primary is never told'),
];

export const FINDING_IDS: readonly string[] = FINDINGS.map((f) => f.id);

export function isFindingId(id: string): boolean {
  return FINDING_IDS.includes(id);
}

// Handshake classification (spec §7): turns a HandshakeResult into zero_gap / catchup /
// needs_rebuild. Pure function; the sender applies the effects. It never looks at HeadLSN.
import { RecoveryOutcome } from './types.ts';
import type { HandshakeResult } from './types.ts';

/**
 * Go's ClassifyRecoveryOutcome:
 * 1. R == C -> zero_gap (exact equality; a replica ahead is not zero gap);
 * 2. S == 0 or R + 1 >= S -> catchup (replica ahead included: truncation is the sender's business);
 * 3. otherwise needs_rebuild.
 */
export function classifyRecoveryOutcome(hr: HandshakeResult): RecoveryOutcome {
  if (hr.replicaFlushedLSN === hr.committedLSN) return RecoveryOutcome.ZeroGap;
  if (hr.retentionStartLSN === 0 || hr.replicaFlushedLSN + 1 >= hr.retentionStartLSN) {
    return RecoveryOutcome.CatchUp;
  }
  return RecoveryOutcome.NeedsRebuild;
}

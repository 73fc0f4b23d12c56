// The snapshot manifest sent after a snapshot image (spec §10.10 RebuildSnapshot): JSON with the
// base LSN and the SHA-256 of the image, which the receiving executor verifies before commit.

import { createHash } from 'node:crypto';

export interface SnapshotManifest {
  readonly BaseLSN: number;
  readonly SHA256: string;
}

export function sha256Hex(chunks: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

export function encodeManifest(m: SnapshotManifest): string {
  return JSON.stringify({ BaseLSN: m.BaseLSN, SHA256: m.SHA256 });
}

/** Parse a manifest; null when it is not valid JSON of the right shape. */
export function decodeManifest(text: string): SnapshotManifest | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o['BaseLSN'] !== 'number' || typeof o['SHA256'] !== 'string') return null;
  return { BaseLSN: o['BaseLSN'], SHA256: o['SHA256'] };
}

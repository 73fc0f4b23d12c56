// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of blockvol WAL entries
// (spec §10.1). Own table, no dependency; `crc32Update` allows checksumming without copying.

const TABLE: Uint32Array = buildTable();

function buildTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** Continue a CRC over buf[start, end). Start with crc = 0. */
export function crc32Update(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc32Update(0, buf, start, end);
}

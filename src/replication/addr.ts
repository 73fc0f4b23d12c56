// Canonicalisation of a replica's listen address (spec §10.5, bug B18): a wildcard bind
// (":port", "0.0.0.0:port", "[::]:port") must never be advertised as is, because the primary
// would dial its own host. It is rewritten with the advertised host, else the preferred outbound
// IP; only when both are unknown is the raw address returned.

/** Split "host:port" (IPv6 hosts in brackets); null when there is no port separator. */
export function splitHostPort(addr: string): { host: string; port: string } | null {
  const i = addr.lastIndexOf(':');
  if (i < 0) return null;
  return { host: addr.slice(0, i), port: addr.slice(i + 1) };
}

export function isWildcardHost(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '[::]' || host === '::';
}

export function canonicalizeAddr(bound: string, advertisedHost: string | null, preferredIP: string | null): string {
  const hp = splitHostPort(bound);
  if (hp === null || !isWildcardHost(hp.host)) return bound;
  const host = advertisedHost !== null && advertisedHost !== '' ? advertisedHost : preferredIP;
  if (host === null || host === '') return bound;
  return `${host}:${hp.port}`;
}

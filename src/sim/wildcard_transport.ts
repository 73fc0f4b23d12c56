// Wildcard addresses on the simulated network (spec §13 B18). A real server may bind ":port",
// "0.0.0.0:port" or "[::]:port" — every interface of its own host — and an address without a
// routable host, when dialled, reaches the dialling machine itself. The simulated network keys
// listeners by "host:port", so this wrapper maps a wildcard listen address to the node's own
// "name:port", and a dial of a wildcard address to the dialling node's own "name:port".
import { isWildcardHost, splitHostPort } from '../replication/addr.ts';
import type { Transport } from '../replication/transport.ts';

/** `addr` with a wildcard host replaced by `hostName` (other addresses unchanged). */
export function resolveOnHost(addr: string, hostName: string): string {
  const hp = splitHostPort(addr);
  if (hp === null || !isWildcardHost(hp.host)) return addr;
  return `${hostName}:${hp.port}`;
}

/** A transport of node `hostName` on which wildcard addresses mean "this host". */
export function wildcardTransport(inner: Transport, hostName: string): Transport {
  return {
    dial: (addr, handlers, done) => inner.dial(resolveOnHost(addr, hostName), handlers, done),
    listen: (addr, accept) => inner.listen(resolveOnHost(addr, hostName), accept),
    unlisten: (addr) => inner.unlisten(resolveOnHost(addr, hostName)),
  };
}

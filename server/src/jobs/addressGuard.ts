/**
 * Which network addresses an attachment download may connect to. The URL comes from an
 * unauthenticated webhook: an allowed host name whose DNS answer points inside our network (a
 * misconfigured record, or a rebinding attack that answers a public address to a first lookup and a
 * private one to the next) must not turn the connector into a proxy to it. The check runs in the
 * socket's own `lookup`, on the addresses actually connected to, so no second lookup can differ.
 */
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** [first address, prefix length, why], IPv4 then IPv6. */
const BLOCKED: readonly (readonly [string, number, string])[] = [
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'IPv4-compatible'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique-local (incl. the EC2 metadata address fd00:ec2::254)'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
];

const blockLists = BLOCKED.map(([net, prefix, why]) => {
  const type = isIP(net) === 6 ? ('ipv6' as const) : ('ipv4' as const);
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return { list, type, why };
});

/** Why `address` may not be connected to, or undefined when it is a public unicast address. */
export function blockedReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) forms carry an IPv4 address: judge it.
    const v4 = embeddedIpv4(address);
    if (v4) return blockedReason(v4);
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  // Rules of the address's own family only: BlockList would match an IPv4 address against ::ffff:0:0/96.
  return blockLists.find((b) => b.type === type && b.list.check(address, type))?.why;
}

/** The 8 hextets of an IPv6 address (valid per `isIP`), a trailing dotted quad included. */
function hextets(address: string): number[] {
  let text = address.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const left = part(head);
  const right = part(tail);
  return tail === undefined
    ? left
    : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function embeddedIpv4(address: string): string | undefined {
  const h = hextets(address);
  const mapped = h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff;
  const nat64 = h[0] === 0x64 && h[1] === 0xff9b && h.slice(2, 6).every((x) => x === 0);
  if (!mapped && !nat64) return undefined;
  return [h[6]! >> 8, h[6]! & 255, h[7]! >> 8, h[7]! & 255].join('.');
}

export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
}

/**
 * A socket `lookup` that refuses a host name if any of its addresses is blocked (refusing rather
 * than picking the good one: a name that also points inside is not to be trusted).
 */
export function guardedLookup(resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = all.filter((a) => wanted === undefined || a.family === wanted);
        const bad = usable.find((a) => blockedReason(a.address) !== undefined);
        if (bad || usable.length === 0) {
          const why = bad ? `resolves to a ${blockedReason(bad.address)} address` : 'has no address';
          callback(new BlockedAddressError(`host ${hostname} ${why}`), '', 4);
        } else if (options.all) {
          callback(null, usable);
        } else {
          callback(null, usable[0]!.address, usable[0]!.family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
}

// IPv4 address and CIDR arithmetic for the network analyzers: containment, longest prefix match, private ranges.
// IPv4 only: the gateway's targets and the VPC CNI's pod addresses are IPv4 in every setup we diagnose.

/** The address as an unsigned 32-bit number, or undefined when it is not a dotted quad. */
export function ipToNumber(ip: string): number | undefined {
  const parts = ip.trim().split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export interface Cidr {
  base: number;
  prefix: number;
  text: string;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, len] = text.trim().split('/');
  const base = ipToNumber(addr ?? '');
  const prefix = len === undefined ? 32 : Number(len);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(base / size) * size, prefix, text: text.trim() };
}

/** Whether the address lies inside the CIDR block (false for anything unparseable). */
export function cidrContains(cidr: string, ip: string): boolean {
  const block = parseCidr(cidr);
  const n = ipToNumber(ip);
  if (!block || n === undefined) return false;
  const size = 2 ** (32 - block.prefix);
  return n >= block.base && n < block.base + size;
}

/** Whether block `inner` lies entirely inside block `outer`. */
export function cidrCovers(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || i.prefix < o.prefix) return false;
  return cidrContains(outer, numberToIp(i.base));
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** The most specific of `cidrs` containing `ip` (longest prefix match), or undefined. */
export function longestPrefixMatch<T>(items: T[], cidrOf: (item: T) => string | undefined, ip: string): T | undefined {
  let best: T | undefined;
  let bestPrefix = -1;
  for (const item of items) {
    const c = cidrOf(item);
    if (!c) continue;
    const block = parseCidr(c);
    if (block && block.prefix > bestPrefix && cidrContains(c, ip)) {
      best = item;
      bestPrefix = block.prefix;
    }
  }
  return best;
}

// RFC 1918, RFC 6598 (carrier-grade NAT, used by VPC secondary CIDRs), link-local, loopback.
const NON_PUBLIC = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '127.0.0.0/8'];

/** Whether an address is private to a VPC (not routed on the internet). */
export function isPrivateAddress(ip: string): boolean {
  return NON_PUBLIC.some((c) => cidrContains(c, ip));
}

export function isIpv4(text: string): boolean {
  return ipToNumber(text) !== undefined;
}

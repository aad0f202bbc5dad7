// What the sandbox builds for a world, computed up front (pure): the DNS table, the addresses on loopback, the
// target listeners and the nftables ruleset that makes `network.reach` true on the wire.
import type { World } from '../world/types.ts';

export const AGENT_ADDRESS = '169.254.170.23';
export const IMDS_ADDRESS = '169.254.169.254';
export const DNS_ADDRESS = '127.0.0.53';

/**
 * Default addresses (203.0.113.0/24, TEST-NET-3) of AWS API names a world's network.hosts does not list.
 * A world may aim network.reach at them by name (`athena.us-east-1.amazonaws.com:443: drop`) or by address.
 */
export const DEFAULT_SERVICE_ADDRESSES: Record<string, string> = {
  sts: '203.0.113.10',
  'sts-global': '203.0.113.11',
  iam: '203.0.113.12',
  ec2: '203.0.113.13',
  eks: '203.0.113.14',
  redshift: '203.0.113.15',
  rds: '203.0.113.16',
  secretsmanager: '203.0.113.17',
  kms: '203.0.113.18',
  athena: '203.0.113.19',
  cloudtrail: '203.0.113.20',
  s3: '203.0.113.21',
  'eks-auth': '203.0.113.22',
  'powerbi-api': '203.0.113.30',
  'powerbi-login': '203.0.113.31',
  other: '203.0.113.99',
};

const REGIONAL_AWS_NAME = /^([a-z0-9-]+)\.([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d)\.amazonaws\.com$/;

/** The default address of an AWS API name (or Power BI's), or undefined for any other name (NXDOMAIN). */
export function defaultAddressOf(name: string): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n === 'sts.amazonaws.com') return DEFAULT_SERVICE_ADDRESSES['sts-global'];
  if (n === 'iam.amazonaws.com') return DEFAULT_SERVICE_ADDRESSES.iam;
  if (n === 'api.powerbi.com') return DEFAULT_SERVICE_ADDRESSES['powerbi-api'];
  if (n === 'login.microsoftonline.com') return DEFAULT_SERVICE_ADDRESSES['powerbi-login'];
  const m = REGIONAL_AWS_NAME.exec(n);
  if (m) return DEFAULT_SERVICE_ADDRESSES[m[1]] ?? DEFAULT_SERVICE_ADDRESSES.other;
  return undefined;
}

export type Answer = string[] | 'nxdomain' | 'servfail' | 'timeout';

/** Resolves a name the way the sandbox's DNS server answers it. */
export function resolveInWorld(world: World, name: string): Answer {
  const n = name.toLowerCase().replace(/\.$/, '');
  for (const [host, answer] of Object.entries(world.network.hosts)) {
    if (host.toLowerCase().replace(/\.$/, '') === n) return answer;
  }
  const def = defaultAddressOf(n);
  return def ? [def] : 'nxdomain';
}

export type ReachMode = 'open' | 'refuse' | 'drop' | 'reset' | 'host-unreachable' | 'net-unreachable' | 'slow';

export interface Endpoint {
  address: string;
  port: number;
  mode: ReachMode;
  /** why the sandbox knows this endpoint: `target <name>`, `reach`, `agent`, `imds` */
  why: string;
}

export interface SandboxPlan {
  /** every address that must be local inside the namespace (on lo) */
  addresses: string[];
  endpoints: Endpoint[];
  /** endpoints that get a TCP listener (not refuse; not the stand-in's own ports) */
  listeners: Endpoint[];
  nftRuleset: string;
  problems: string[];
}

const isIpv4 = (s: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(s);

export function planSandbox(world: World): SandboxPlan {
  const problems: string[] = [];
  const addresses = new Set<string>([AGENT_ADDRESS, IMDS_ADDRESS, ...Object.values(DEFAULT_SERVICE_ADDRESSES)]);
  for (const answer of Object.values(world.network.hosts)) if (Array.isArray(answer)) answer.forEach((a) => addresses.add(a));

  const endpoints = new Map<string, Endpoint>();
  const put = (address: string, port: number, why: string, mode?: ReachMode) => {
    const key = `${address}:${port}`;
    const prev = endpoints.get(key);
    const reach = (world.network.reach[key] as ReachMode | undefined) ?? 'open';
    endpoints.set(key, { address, port, mode: mode ?? prev?.mode ?? reach, why: prev ? prev.why : why });
    addresses.add(address);
  };

  // targets from the gateway's config
  for (const t of world.gateway.targets ?? []) {
    let host = t.host;
    let port = t.port;
    if (t.redshiftClusterId) {
      const cluster = world.redshift?.Clusters?.find((c) => c.ClusterIdentifier === t.redshiftClusterId);
      host ??= cluster?.Endpoint?.Address;
      port ??= cluster?.Endpoint?.Port;
    }
    if (!host || !port) continue; // the product will say it cannot find the endpoint
    const answer = isIpv4(host) ? [host] : resolveInWorld(world, host);
    if (Array.isArray(answer)) for (const a of answer) put(a, port, `target ${t.name}`);
  }
  // every reach entry, by address or by name
  for (const [key, mode] of Object.entries(world.network.reach)) {
    const i = key.lastIndexOf(':');
    const host = key.slice(0, i);
    const port = Number(key.slice(i + 1));
    const answer = isIpv4(host) ? [host] : resolveInWorld(world, host);
    if (!Array.isArray(answer)) {
      problems.push(`network.reach["${key}"]: ${host} does not resolve in this world (${answer})`);
      continue;
    }
    for (const a of answer) put(a, port, 'reach', mode as ReachMode);
  }
  // the agent and IMDS: absent means nothing listens (refused), blocked means dropped
  if (world.pod.agent === 'absent') put(AGENT_ADDRESS, 80, 'agent', 'refuse');
  if (world.pod.agent === 'blocked') put(AGENT_ADDRESS, 80, 'agent', 'drop');
  if (world.pod.imds === 'absent') put(IMDS_ADDRESS, 80, 'imds', 'refuse');

  const all = [...endpoints.values()];
  const standinOwned = (e: Endpoint) => e.port === 443 || e.address === AGENT_ADDRESS || e.address === IMDS_ADDRESS;
  const listeners = all.filter((e) => e.mode !== 'refuse' && !standinOwned(e));
  return { addresses: [...addresses], endpoints: all, listeners, nftRuleset: nftRuleset(all), problems };
}

/** One nftables table; rules on locally generated packets (everything in the sandbox is local). */
export function nftRuleset(endpoints: Endpoint[]): string {
  const rules: string[] = [];
  for (const e of endpoints) {
    const match = `ip daddr ${e.address} tcp dport ${e.port}`;
    switch (e.mode) {
      case 'refuse':
        rules.push(`${match} reject with tcp reset`);
        break;
      case 'drop':
        rules.push(`${match} drop`);
        break;
      case 'host-unreachable':
        rules.push(`${match} reject with icmp type host-unreachable`);
        break;
      case 'net-unreachable':
        rules.push(`${match} reject with icmp type net-unreachable`);
        break;
      case 'slow':
        // the first SYN of each connection (keyed on its source address and port) is dropped; the kernel's
        // retransmission ~1 s later gets through
        rules.push(`${match} tcp flags & (syn | ack) == syn ip saddr . tcp sport @slow_seen accept`);
        rules.push(`${match} tcp flags & (syn | ack) == syn add @slow_seen { ip saddr . tcp sport } drop`);
        break;
      case 'open':
      case 'reset': // the listener accepts, then resets
        break;
    }
  }
  return [
    'table inet gateway_doctor_sandbox {',
    '  set slow_seen { type ipv4_addr . inet_service; flags dynamic, timeout; timeout 2m; }',
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    ...rules.map((r) => `    ${r}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

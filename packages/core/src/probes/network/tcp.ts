// network.tcp: connect to every address of each target separately, with our own deadline (never net.connect
// with a hostname: happy-eyeballs turns a slow first address into an empty AggregateError, nodejs/node#54359),
// then hold 200 ms for an immediate reset. A silent drop is explained by the static probes' findings.
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { probeAddress, probeAddresses, SLOW_CONNECT_MS, type TcpKind, type TcpResult } from '../../net/tcp.ts';
import { findTarget, targetFacts } from '../../net/targets.ts';
import { dnsAddresses, targetSubjects } from './common.ts';

export const meta = {
  id: 'network.tcp',
  title: 'Each target accepts a TCP connection on every address',
  area: 'network',
  podOnly: true,
  needs: ['network.dns'],
  after: ['network.security-groups', 'network.path'],
  docs: 'docs/probes/network.tcp.md',
  subjects: (config) => targetSubjects(config),
} satisfies ProbeMeta;

const CODE: Record<Exclude<TcpKind, 'connected'>, string> = {
  timeout: 'TCP_TIMEOUT',
  refused: 'TCP_REFUSED',
  'host-unreachable': 'TCP_HOST_UNREACHABLE',
  'net-unreachable': 'TCP_NET_UNREACHABLE',
  reset: 'TCP_RESET',
  error: 'TCP_HOST_UNREACHABLE',
};

function line(r: TcpResult): string {
  return `${r.address}:${r.port} ${r.kind} ${r.elapsedMs}ms${r.errorCode ? ` (${r.errorCode})` : ''}`;
}

export async function run(ctx: ProbeContext): Promise<Finding | Finding[]> {
  const subject = ctx.subject ?? '';
  const target = findTarget(ctx.config, subject);
  if (!target) return { code: 'NOT_APPLICABLE', summary: `${subject} is not a configured target`, evidence: {} };
  const facts = targetFacts(ctx.results, target);
  const addresses = dnsAddresses(ctx, subject) ?? [];
  if (!facts.port) return { code: 'NOT_APPLICABLE', summary: `No port is known for ${subject}: give it in the target's config`, evidence: {} };
  if (!addresses.length) return { code: 'NEEDS_UNMET', status: 'skip', summary: `network.dns found no address for ${subject}`, evidence: {} };
  const port = facts.port;
  const results = await probeAddresses(addresses, port, { timeoutMs: ctx.config.options.connectTimeoutMs, signal: ctx.signal });
  const evidence = {
    host: facts.host ?? null,
    port,
    addresses,
    results: results.map(line),
    connectTimeoutMs: ctx.config.options.connectTimeoutMs,
    ...(facts.servicePort && facts.servicePort !== port ? { servicePort: facts.servicePort } : {}),
  };
  const connected = results.filter((r) => r.kind === 'connected');
  const failed = results.filter((r) => r.kind !== 'connected');
  if (connected.length) {
    // A connect that needed ≥ 1 s is confirmed with a second one before it is called slow: on a starved CPU the
    // 'connect' callback itself can run late, and a false warning is as bad as a missed one.
    const firstSlow = connected.filter((r) => r.elapsedMs >= SLOW_CONNECT_MS);
    const retries = await Promise.all(firstSlow.map((r) => probeAddress(r.address, port, { timeoutMs: 1500, resetWaitMs: 0, signal: ctx.signal })));
    const slow = firstSlow.filter((_, i) => retries[i]!.kind !== 'connected' || retries[i]!.elapsedMs >= SLOW_CONNECT_MS);
    if (firstSlow.length) ctx.record({ slowRetries: retries.map(line) });
    const best = [...connected].sort((a, b) => a.elapsedMs - b.elapsedMs)[0]!;
    if (slow.length || failed.length) {
      const parts = [
        ...slow.map((r) => `${r.address} needed ${r.elapsedMs} ms (a lost SYN, retransmitted)`),
        ...failed.map((r) => `${r.address} ${r.kind}`),
      ];
      return {
        code: 'TCP_SLOW_ADDRESS',
        summary:
          `${subject}: ${connected.map((r) => r.address).join(', ')} connected, but ${parts.join('; ')}. ` +
          (addresses.length > 1
            ? `A plain net.connect('${facts.host}') gives each address 250 ms (happy-eyeballs) and can fail with an empty AggregateError here; probing each address shows which is slow (nodejs/node#54359).`
            : ''),
        evidence: { ...evidence, address: best.address, elapsedMs: best.elapsedMs, slowAddresses: slow.map((r) => r.address), failedAddresses: failed.map((r) => r.address) },
        remedy: {
          text:
            `Find what drops the first packets to ${[...slow, ...failed].map((r) => r.address).join(', ')} (an overloaded or mis-sized node, conntrack limits, a security group on one of the target's ENIs). ` +
            `Clients using Node ≥ 20 can raise net.setDefaultAutoSelectFamilyAttemptTimeout() or connect with autoSelectFamily: false.`,
        },
      };
    }
    return { code: 'OK', summary: `${subject}: ${connected.map((r) => `${r.address}:${port} in ${r.elapsedMs} ms`).join(', ')}`, evidence: { ...evidence, address: best.address, elapsedMs: best.elapsedMs } };
  }
  // Nothing connected: one finding per kind of failure.
  const byKind = new Map<TcpKind, TcpResult[]>();
  for (const r of failed) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
  const staticCauses = ctx.results.failureCodes(['network.security-groups', 'network.path'], subject).filter((c) => c !== 'READ_DENIED' && c !== 'NEEDS_UNMET' && c !== 'NOT_APPLICABLE');
  const findings: Finding[] = [];
  for (const [kind, rs] of byKind) {
    const code = CODE[kind as Exclude<TcpKind, 'connected'>];
    const addrs = rs.map((r) => `${r.address}:${port}`).join(', ');
    const wrongPort = facts.servicePort && facts.servicePort !== port ? ` The service listens on ${facts.servicePort}, not ${port}.` : '';
    switch (kind) {
      case 'timeout':
        findings.push({
          code,
          summary: `${subject}: ${addrs} did not answer within ${ctx.config.options.connectTimeoutMs} ms (silently dropped)` + (staticCauses.length ? `; the account's configuration explains it: ${staticCauses.join(', ')}` : ''),
          causes: staticCauses.length ? staticCauses : undefined,
          evidence: { ...evidence },
          remedy: staticCauses.length
            ? causeRemedy(ctx, subject, staticCauses)
            : { text: `Something drops the SYN: check the target's security groups, both subnets' network ACLs, routes, and any NetworkPolicy on the pod.${wrongPort}` },
        });
        break;
      case 'refused':
        findings.push({
          code,
          summary: `${subject}: ${addrs} refused the connection: nothing listens on ${port}.${wrongPort}`,
          evidence,
          remedy: { text: wrongPort ? `Use port ${facts.servicePort} for ${subject} in the gateway's config.` : `Check the port configured for ${subject} and that the service is running.` },
        });
        break;
      case 'reset':
        findings.push({ code, summary: `${subject}: ${addrs} accepted the connection and reset it at once`, evidence, remedy: { text: 'A proxy or load balancer in front of the target accepts and drops the connection: check its target health and listener.' } });
        break;
      default:
        findings.push({ code, summary: `${subject}: ${addrs} ${kind} (${rs[0]?.errorCode ?? ''})`, evidence, remedy: { text: `A router answered that ${addrs} cannot be reached: check the routes from the pod's subnet.` } });
    }
  }
  return findings;
}

/** The static probes' own remedies for the causes they found, so the live failure carries the exact fix. */
function causeRemedy(ctx: ProbeContext, subject: string, causes: string[]): NonNullable<Finding['remedy']> {
  const outcomes = ['network.security-groups', 'network.path'].flatMap((id) => ctx.results.get(id, subject)).filter((o) => causes.includes(o.code) && o.remedy);
  if (!outcomes.length) return { text: `Apply the remedy of ${causes.join(' / ')} (network.security-groups, network.path).` };
  return {
    text: outcomes.map((o) => `${o.code} (${o.probe}): ${o.remedy!.text}`).join(' '),
    commands: outcomes.flatMap((o) => o.remedy!.commands ?? []),
  };
}

// Read-only, proven on the wire (issue 8 item 1): what the stand-in's request log may hold from the product's
// own credentials. Every AWS API request must name an operation on the guard's allowlist
// (packages/core/src/aws/allowlist.ts). Besides the APIs the product talks to the Pod Identity agent (a GET of
// its credentials), IMDS (the SDK's chain: the IMDSv2 token PUT and GETs), and the reachability checks' plain
// HTTPS hosts (GET). The one AWS call outside the allowlist is the SDK chain's own
// sts:AssumeRoleWithWebIdentity when IRSA variables are present: that is how the gateway itself gets
// credentials, made by the chain's internal client before any probe runs, never by a probe.
// The harness's own calls (applying a remedy) carry the harness key and are excluded.
import { ALLOWED_OPERATIONS } from '../../packages/core/src/aws/allowlist.ts';
import type { ServiceId } from '../../packages/core/src/types.ts';

export const CHAIN_ONLY = new Set(['sts:AssumeRoleWithWebIdentity']);

export interface LoggedRequest {
  service: string;
  operation: string;
  harness?: boolean;
  callerArn?: string;
}

/** One line per request from the product that a read-only tool must never send; [] when there is none. */
export function readOnlyViolations(requests: readonly LoggedRequest[]): string[] {
  const out: string[] = [];
  for (const r of requests) {
    if (r.harness) continue;
    const what = `${r.service}:${r.operation || '(undecoded)'}`;
    if (Object.hasOwn(ALLOWED_OPERATIONS, r.service)) {
      if (!ALLOWED_OPERATIONS[r.service as ServiceId].includes(r.operation) && !CHAIN_ONLY.has(what)) out.push(what);
    } else if (r.service === 'pod-identity-agent') {
      if (r.operation !== 'AssumeRoleForPodIdentity' && !/^GET /.test(r.operation)) out.push(what);
    } else if (r.service === 'imds') {
      if (r.operation !== 'PUT /latest/api/token' && !/^GET /.test(r.operation)) out.push(what);
    } else if (/^(GET|HEAD) /.test(r.operation)) {
      // a plain HTTPS host the egress checks reach (api.powerbi.com, login.microsoftonline.com, an AWS name
      // without a service behind it): a GET, nothing else
    } else {
      out.push(what);
    }
  }
  return out;
}

/** The product's AWS API operations in a log, counted (for reports and benchmarks). */
export function productOperations(requests: readonly LoggedRequest[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of requests) {
    if (r.harness || !Object.hasOwn(ALLOWED_OPERATIONS, r.service)) continue;
    const k = `${r.service}:${r.operation}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

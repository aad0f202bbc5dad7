// Fault injection (issue 8): what a world's optional `faults` section (ours, validated strictly) makes the
// stand-in do instead of answering — throttling in each protocol's own words, 5xx, an answer slower than any
// deadline, a body cut short, garbage with 200, a connection reset after the request was read — and what the
// Pod Identity agent does (429, 500, accept and never answer). `latencyMs` delays every answer (the
// critical-path benchmark). Rules are tried in order; the first that matches a request decides it. The
// harness's own calls are never faulted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { AwsFault, type ServiceModule } from './types.ts';

export const awsFaultKinds = ['throttle', '500', '503', 'slow', 'truncated', 'malformed', 'reset'] as const;
export const agentFaultKinds = ['429', '500', 'hang'] as const;
export type AwsFaultKind = (typeof awsFaultKinds)[number];
export type AgentFaultKind = (typeof agentFaultKinds)[number];

const serviceNames = ['*', 'sts', 'iam', 'ec2', 'eks', 'redshift', 'rds', 'secretsmanager', 'kms', 'athena', 'cloudtrail'] as const;

export const faultRuleSchema = z.strictObject({
  /** the SigV4 signing name (sts, ec2, secretsmanager…) or '*' */
  service: z.enum(serviceNames).default('*'),
  /** the API operation name as the SDK sends it (AssumeRole, DescribeClusters…) or '*' */
  operation: z.string().regex(/^(\*|[A-Z][A-Za-z0-9]+)$/, "must be an operation name such as AssumeRole, or '*'").default('*'),
  fault: z.enum(awsFaultKinds),
  /** slow: how long before the (normal) answer; default 30000 ms — longer than any probe deadline */
  ms: z.number().int().min(0).max(600_000).optional(),
  /** fault only the first N matching requests (then answer normally): a retry that succeeds */
  times: z.number().int().min(1).optional(),
});

export const faultsSchema = z.strictObject({
  /** added before every answer of the AWS APIs and the agent */
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  aws: z.array(faultRuleSchema).default([]),
  agent: z.enum(agentFaultKinds).optional(),
});

export type FaultRule = z.output<typeof faultRuleSchema>;
export type Faults = z.output<typeof faultsSchema>;

/** The fault each protocol family's services send for throttling, 500 and 503 (codes, statuses, messages as AWS words them). */
export function serviceFault(mod: ServiceModule, kind: 'throttle' | '500' | '503'): AwsFault {
  const { protocol, signingName } = mod;
  if (kind === 'throttle') {
    switch (protocol) {
      case 'query': return new AwsFault('Throttling', 'Rate exceeded', 400);
      case 'ec2': return new AwsFault('RequestLimitExceeded', 'Request limit exceeded.', 503);
      case 'json': return new AwsFault('ThrottlingException', 'Rate exceeded', 400);
      case 'rest-json': return new AwsFault('ThrottlingException', 'Rate exceeded', 429);
    }
  }
  if (kind === '500') {
    switch (protocol) {
      case 'query': return new AwsFault('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);
      case 'ec2': return new AwsFault('InternalError', 'An internal error has occurred.', 500);
      case 'json': return new AwsFault(signingName === 'secretsmanager' ? 'InternalServiceError' : 'InternalFailure', 'An error occurred on the server side.', 500);
      case 'rest-json': return new AwsFault('ServerException', 'An internal error occurred.', 500);
    }
  }
  switch (protocol) {
    case 'query': return new AwsFault('ServiceUnavailable', 'Service is unable to handle request.', 503);
    case 'ec2': return new AwsFault('Unavailable', 'The server is overloaded and can\'t handle the request.', 503);
    case 'json': return new AwsFault('ServiceUnavailableException', 'Service is unable to handle request.', 503);
    case 'rest-json': return new AwsFault('ServiceUnavailableException', 'Service is unable to handle request.', 503);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Decides per request; counts `times`. */
export class FaultPlan {
  readonly faults: Faults;
  private readonly used = new Map<FaultRule, number>();

  constructor(input: unknown) {
    this.faults = input && typeof input === 'object' && 'aws' in (input as object) && Array.isArray((input as Faults).aws)
      ? (input as Faults)
      : faultsSchema.parse(input ?? {});
  }

  get latencyMs(): number {
    return this.faults.latencyMs ?? 0;
  }

  get agent(): AgentFaultKind | undefined {
    return this.faults.agent;
  }

  delay(): Promise<void> | undefined {
    return this.latencyMs > 0 ? sleep(this.latencyMs) : undefined;
  }

  /** The rule that decides this request, if any (consumes one of its `times`). */
  pick(service: string, operation: string): FaultRule | undefined {
    for (const rule of this.faults.aws) {
      if (rule.service !== '*' && rule.service !== service) continue;
      if (rule.operation !== '*' && rule.operation !== operation) continue;
      const n = this.used.get(rule) ?? 0;
      if (rule.times !== undefined && n >= rule.times) continue;
      this.used.set(rule, n + 1);
      return rule;
    }
    return undefined;
  }
}

/** Garbage with 200, in the protocol's content type (what a captive portal or a broken proxy sends). */
function garbage(mod: ServiceModule): { body: string; type: string } {
  const text = '<html><head><title>502 Bad Gateway</title></head><body>upstream \u0000\u00ff sent an invalid response';
  return { body: text, type: mod.protocol === 'json' ? 'application/x-amz-json-1.1' : mod.protocol === 'rest-json' ? 'application/json' : 'text/xml' };
}

/**
 * Serves a body-level fault for a request whose normal answer is `normal` (status, headers, body), or takes the
 * socket down. Returns what the log should record.
 */
export function sendFaulted(
  kind: 'truncated' | 'malformed' | 'reset',
  mod: ServiceModule,
  req: IncomingMessage,
  res: ServerResponse,
  normal: { status: number; headers: Record<string, string>; body: string },
): { httpStatus: number; errorCode: string } {
  if (kind === 'reset') {
    // an RST where Node can send one (a TLS socket's handle may refuse: then a plain close, which the client
    // sees just the same — the connection ends with no answer)
    const socket = req.socket as import('node:net').Socket & { resetAndDestroy?: () => void };
    try { socket.resetAndDestroy?.(); } catch { /* fall through */ }
    if (!socket.destroyed) socket.destroy();
    return { httpStatus: 0, errorCode: 'FaultReset' };
  }
  if (kind === 'malformed') {
    const g = garbage(mod);
    res.writeHead(200, { ...normal.headers, 'content-type': g.type, 'content-length': Buffer.byteLength(g.body) });
    res.end(g.body);
    return { httpStatus: 200, errorCode: 'FaultMalformed' };
  }
  // truncated: the answer's first part only, framed as if complete (a proxy that cut it and fixed the length)
  const whole = Buffer.from(normal.body);
  const cut = whole.subarray(0, Math.max(1, Math.floor(whole.length / 2)));
  res.writeHead(normal.status, { ...normal.headers, 'content-length': cut.length });
  res.end(cut);
  return { httpStatus: normal.status, errorCode: 'FaultTruncated' };
}

export async function slow(rule: FaultRule): Promise<void> {
  await sleep(rule.ms ?? 30_000);
}

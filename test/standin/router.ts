// The HTTPS front door: picks the service from the Host header (falling back to the SigV4 credential scope
// when the host is an address, as in loopback unit tests), verifies the signature, decodes the request for
// the module's protocol, runs the handler with the verified caller, encodes the result or the fault, and logs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize, denialSuffix } from './authz.ts';
import { decodeRequest, encodeFault, encodeResult, type Decoded, type WireResponse } from './codecs/protocols.ts';
import { CredentialStore, newRequestId } from './credentials.ts';
import { FaultPlan, sendFaulted, serviceFault, slow } from './faults.ts';
import { isFailure, parseAmzDate, parseAuthorization, verifySignature } from './sigv4.ts';
import {
  AwsFault, isAwsFault,
  type Decision, type Principal, type RequestLogEntry, type ServiceModule, type StandinContext, type StandinRequest, type WorldView,
} from './types.ts';

/** Hosts that are reachable but are not AWS APIs: any path answers, '/' with 200, the rest 404. */
const PLAIN_HOSTS = new Set(['api.powerbi.com', 'login.microsoftonline.com']);

export function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) { reject(new Error('body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

type AuthFaultKind = 'missing' | 'unknown' | 'expired' | 'mismatch' | 'malformed' | 'scope';

/** How each protocol family words authentication failures. */
export function authFault(mod: ServiceModule, kind: AuthFaultKind, message?: string): AwsFault {
  const invalid = 'The security token included in the request is invalid.';
  const expired = 'The security token included in the request is expired';
  const sig = message ?? 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
  switch (mod.protocol) {
    case 'query':
      switch (kind) {
        case 'missing': return new AwsFault('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
        case 'unknown': return new AwsFault('InvalidClientTokenId', invalid, 403);
        case 'expired': return new AwsFault('ExpiredToken', expired, mod.signingName === 'sts' ? 400 : 403);
        case 'malformed': return new AwsFault('IncompleteSignature', message ?? 'Incomplete signature', 400);
        default: return new AwsFault('SignatureDoesNotMatch', sig, 403);
      }
    case 'ec2':
      switch (kind) {
        case 'missing': return new AwsFault('MissingAuthenticationToken', 'Request is missing Authentication Token', 401);
        case 'unknown': return new AwsFault('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
        case 'expired': return new AwsFault('RequestExpired', 'Request has expired.', 400);
        case 'malformed': return new AwsFault('IncompleteSignature', message ?? 'Incomplete signature', 400);
        default: return new AwsFault('SignatureDoesNotMatch', sig, 403);
      }
    case 'json':
    case 'rest-json': {
      const status = mod.protocol === 'json' ? 400 : 403;
      switch (kind) {
        case 'missing': return new AwsFault('MissingAuthenticationTokenException', 'Missing Authentication Token', status);
        case 'unknown': return new AwsFault('UnrecognizedClientException', invalid, status);
        case 'expired': return new AwsFault('ExpiredTokenException', expired, status);
        case 'malformed': return new AwsFault('IncompleteSignatureException', message ?? 'Incomplete signature', status);
        default: return new AwsFault('InvalidSignatureException', sig, status);
      }
    }
  }
}

/** AccessDenied as each service words it (module may override with denyFault). */
export function denyFault(mod: ServiceModule, caller: Principal, action: string, resource: string, decision?: Decision): AwsFault {
  const custom = mod.denyFault?.(caller, action, resource, decision);
  if (custom) return custom;
  const base = `User: ${caller.arn} is not authorized to perform: ${action}`;
  const suffix = denialSuffix(action, decision);
  const opts = { deny: true };
  if (mod.signingName === 'sts') return new AwsFault('AccessDenied', `${base} on resource: ${resource}`, 403, opts);
  switch (mod.protocol) {
    case 'ec2': return new AwsFault('UnauthorizedOperation', `You are not authorized to perform this operation. ${base}${suffix}`, 403, opts);
    case 'query': return new AwsFault('AccessDenied', `${base} on resource: ${resource}${suffix}`, 403, opts);
    case 'json': return new AwsFault('AccessDeniedException', `${base} on resource: ${resource}${suffix}`, 400, opts);
    case 'rest-json': return new AwsFault('AccessDeniedException', `${base} on resource: ${resource}${suffix}`, 403, opts);
  }
}

export function anonymousPrincipal(accountId: string): Principal {
  return { kind: 'anonymous', arn: 'anonymous', roleArn: '', roleId: '', accountId, sessionName: '', tags: {}, transitiveTagKeys: [], via: 'static', chained: false };
}

export interface RouterDeps {
  world: WorldView;
  store: CredentialStore;
  log: RequestLogEntry[];
  modules: ServiceModule[];
  /** (issue 8) the world's `faults`: latency and per-operation faults for the product's requests */
  faults?: FaultPlan;
}

export class Router {
  private readonly byHost = new Map<string, ServiceModule>();
  private readonly byPrefix = new Map<string, ServiceModule>();
  private readonly bySigningName = new Map<string, ServiceModule>();

  constructor(private readonly deps: RouterDeps) {
    for (const m of deps.modules) {
      this.byPrefix.set(m.endpointPrefix ?? m.signingName, m);
      this.bySigningName.set(m.signingName, m);
      for (const h of m.globalHosts ?? []) this.byHost.set(h, m);
    }
  }

  moduleForHost(host: string): ServiceModule | undefined {
    const h = host.toLowerCase().replace(/:\d+$/, '');
    const direct = this.byHost.get(h);
    if (direct) return direct;
    const m = /^([a-z0-9-]+)(?:\.[a-z0-9-]+)?\.amazonaws\.com$/.exec(h);
    return m ? this.byPrefix.get(m[1]) : undefined;
  }

  /** Make the per-request StandinContext. Exposed for services (the agent) that act in-process. */
  context(mod: ServiceModule, operation: string, requestId: string, region: string, state: { decision?: Decision; reasons?: string[] }): StandinContext {
    const { world, store } = this.deps;
    const sc: StandinContext = {
      world, service: mod.signingName, operation, requestId, region,
      authorize: async (input) => {
        const d = await authorize(world, input);
        state.decision = d;
        (state.reasons ??= []).push(d.reason);
        return d;
      },
      deny: (caller, action, resource, decision) => { throw denyFault(mod, caller, action, resource, decision ?? state.decision); },
      require: async (input) => {
        const d = await sc.authorize(input);
        if (!d.allowed) sc.deny(input.caller, input.action, input.resource, d);
        return d;
      },
      issue: (principal, opts) => store.issue(principal, opts),
      lookup: (akid) => store.get(akid)?.principal,
    };
    return sc;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const host = String(req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    let body: Buffer;
    try { body = await readBody(req); } catch { res.destroy(); return; }
    await this.deps.faults?.delay();

    const authHeader = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
    const parsed = parseAuthorization(authHeader);
    let mod = this.moduleForHost(host);
    if (!mod && !isFailure(parsed) && !/amazonaws\.com$/.test(host) && !PLAIN_HOSTS.has(host)) {
      mod = this.bySigningName.get(parsed.service); // loopback tests address the stand-in by IP
    }
    if (!mod) { this.plain(req, res, host, requestId); return; }

    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const query = Object.fromEntries(new URLSearchParams(qi < 0 ? '' : url.slice(qi + 1)));
    const entry: RequestLogEntry = {
      time: new Date().toISOString(), service: mod.signingName, operation: '', callerArn: '', accessKeyId: '',
      decision: 'error', httpStatus: 0, harness: false, requestId,
    };
    const state: { decision?: Decision; reasons?: string[] } = {};
    let decoded: Decoded | undefined;
    let wire: WireResponse;
    let bodyFault: 'truncated' | 'malformed' | 'reset' | undefined;
    let loggedEarly = false;
    try {
      decoded = decodeRequest(mod, { method: req.method ?? 'GET', path, query, headers: req.headers, body });
      entry.operation = decoded.operation;
      const unsigned = isFailure(parsed) && parsed.kind === 'missing' && (mod.anonymousOperations ?? []).includes(decoded.operation);
      const caller = unsigned
        ? anonymousPrincipal(this.deps.world.account)
        : this.authenticate(mod, parsed, { method: req.method ?? 'GET', url, headers: req.headers, body }, entry);
      const rule = entry.harness ? undefined : this.deps.faults?.pick(mod.signingName, decoded.operation);
      if (rule) {
        entry.fault = rule.fault;
        if (rule.fault === 'throttle' || rule.fault === '500' || rule.fault === '503') throw serviceFault(mod, rule.fault);
        if (rule.fault === 'slow') {
          // logged when it arrives: the caller gives up long before the answer
          entry.errorCode = 'FaultSlow';
          this.deps.log.push(entry);
          loggedEarly = true;
          await slow(rule);
          delete entry.errorCode;
        }
        else bodyFault = rule.fault;
      }
      const handler = mod.operations[decoded.operation];
      if (!handler) {
        throw mod.protocol === 'query' || mod.protocol === 'ec2'
          ? new AwsFault('InvalidAction', `Could not find operation ${decoded.operation} for version ${decoded.version}`, 400)
          : new AwsFault('UnknownOperationException', `The stand-in does not implement ${decoded.operation}`, 400);
      }
      const sreq: StandinRequest = {
        service: mod.signingName, operation: decoded.operation, params: decoded.params, caller,
        accessKeyId: entry.accessKeyId, requestId, method: req.method ?? 'GET', path, query, headers: req.headers, body,
        region: isFailure(parsed) ? this.deps.world.region : parsed.region,
      };
      const output = await handler(sreq, this.context(mod, decoded.operation, requestId, sreq.region, state));
      wire = encodeResult(mod, decoded, output, requestId);
      entry.decision = 'allow';
    } catch (e) {
      const fault = isAwsFault(e) ? e : new AwsFault('InternalFailure', `stand-in handler failed: ${(e as Error)?.message ?? e}`, 500);
      if (!isAwsFault(e)) console.error('[standin]', e);
      wire = encodeFault(mod, fault, requestId, decoded?.version);
      entry.decision = fault.deny ? 'deny' : 'error';
      entry.errorCode = fault.code;
      if (!state.decision) entry.reason = fault.message;
    }
    if (state.reasons?.length) entry.reason = state.reasons.join('; ');
    entry.httpStatus = wire.status;
    if (bodyFault) {
      entry.decision = 'error';
      if (!loggedEarly) this.deps.log.push(entry);
      const sent = sendFaulted(bodyFault, mod, req, res, wire);
      entry.httpStatus = sent.httpStatus;
      entry.errorCode = sent.errorCode;
      return;
    }
    if (!loggedEarly) this.deps.log.push(entry);
    res.writeHead(wire.status, { ...wire.headers, 'content-length': Buffer.byteLength(wire.body) });
    res.end(wire.body);
  }

  private authenticate(
    mod: ServiceModule,
    parsed: ReturnType<typeof parseAuthorization>,
    input: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer },
    entry: RequestLogEntry,
  ): Principal {
    if (isFailure(parsed)) throw authFault(mod, parsed.kind === 'missing' ? 'missing' : 'malformed', parsed.message);
    entry.accessKeyId = parsed.accessKeyId;
    const cred = this.deps.store.get(parsed.accessKeyId);
    if (!cred) throw authFault(mod, 'unknown');
    entry.callerArn = cred.principal.arn;
    entry.harness = cred.harness;
    const token = input.headers['x-amz-security-token'];
    if ((cred.sessionToken ?? undefined) !== (typeof token === 'string' ? token : undefined)) throw authFault(mod, 'unknown');
    if (parsed.service !== mod.signingName) {
      throw authFault(mod, 'scope', `Credential should be scoped to correct service: '${mod.signingName}'. `);
    }
    const bad = verifySignature(input, parsed, cred.secretAccessKey);
    if (bad) throw authFault(mod, bad.kind === 'malformed' ? 'malformed' : 'mismatch', bad.kind === 'malformed' ? bad.message : undefined);
    const signedAt = parseAmzDate(input.headers['x-amz-date'] as string | undefined);
    if (signedAt && Math.abs(signedAt.getTime() - Date.now()) > 15 * 60_000) {
      throw authFault(mod, 'mismatch', `Signature expired: ${input.headers['x-amz-date']} is now earlier than the allowed window.`);
    }
    if (cred.expiration.getTime() <= Date.now()) throw authFault(mod, 'expired');
    return cred.principal;
  }

  private plain(req: IncomingMessage, res: ServerResponse, host: string, requestId: string): void {
    const path = (req.url ?? '/').split('?')[0];
    const status = PLAIN_HOSTS.has(host) || /amazonaws\.com$/.test(host) ? (path === '/' ? 200 : 404) : 404;
    this.deps.log.push({
      time: new Date().toISOString(), service: host, operation: `${req.method} ${path}`, callerArn: '', accessKeyId: '',
      decision: status === 200 ? 'allow' : 'error', httpStatus: status, harness: false, requestId,
    });
    res.writeHead(status, { 'content-type': 'text/plain', 'x-amzn-RequestId': requestId });
    res.end(status === 200 ? 'OK\n' : 'Not Found\n');
  }
}

// The EKS Pod Identity agent (HTTP on 169.254.170.23:80, GET /v1/credentials, `Authorization: <token>`), with
// EKS Auth's AssumeRoleForPodIdentity behind it, answering in the agent's own words (aws/eks-pod-identity-agent:
// internal/validation/request.go, pkg/errors/errors.go, internal/middleware/rate_limiter): request-validation
// errors are 400 with the message, EKS Auth errors are `[<request-id>]: (<Code>): <message>, fault: client` with
// EKS Auth's HTTP status, all written by Go's http.Error (text/plain, trailing newline).
// pod.agent modes: running | throttled (429) | invalid-host (403) | legacy-500 (pre-mid-2024 agents wrapped EKS
// Auth errors in a 500); absent/blocked are the sandbox's nftables and never reach here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { assumeRole } from './assume.ts';
import type { CredentialStore } from './credentials.ts';
import { newRequestId } from './credentials.ts';
import type { Router } from './router.ts';
import type { FaultPlan } from './faults.ts';
import { AwsFault, type Principal, type RequestLogEntry, type ServiceModule, type WorldView } from './types.ts';

export const POD_IDENTITY_TAG_KEYS = [
  'eks-cluster-arn', 'eks-cluster-name', 'kubernetes-namespace', 'kubernetes-service-account', 'kubernetes-pod-name', 'kubernetes-pod-uid',
] as const;

export const EKS_AUTH_ACCESS_DENIED = 'Unauthorized Exception! EKS does not have permissions to assume the associated role.';

const eksAuthModule: ServiceModule = { signingName: 'eks-auth', protocol: 'rest-json', operations: {} };

export const podsService: Principal = {
  kind: 'service', arn: 'pods.eks.amazonaws.com', roleArn: '', roleId: '', accountId: '', sessionName: '',
  tags: {}, transitiveTagKeys: [], via: 'pod-identity', chained: false,
};

export interface AgentDeps {
  world: WorldView;
  store: CredentialStore;
  log: RequestLogEntry[];
  router: Router;
  /** (issue 8) the world's `faults`: `agent` (429 | 500 | hang) and `latencyMs` */
  faults?: FaultPlan;
}

interface TokenClaims {
  namespace: string;
  serviceAccount: string;
  podName?: string;
  podUid?: string;
}

class AgentError extends Error {
  constructor(readonly status: number, message: string, readonly code?: string) { super(message); }
}

function b64urlJson(part: string): any {
  const text = Buffer.from(part.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  return JSON.parse(text);
}

/** What the agent checks locally (golang-jwt ParseUnverified + basic claim validation). */
export function parseServiceAccountToken(token: string, now = Date.now()): TokenClaims {
  if (token === '') throw new AgentError(400, 'Service account token cannot be empty');
  const parts = token.split('.');
  if (parts.length !== 3) throw new AgentError(400, 'Service account token cannot be parsed: token is malformed: token contains an invalid number of segments');
  let claims: any;
  try { b64urlJson(parts[0]); } catch { throw new AgentError(400, 'Service account token cannot be parsed: token is malformed: could not JSON decode header'); }
  try { claims = b64urlJson(parts[1]); } catch { throw new AgentError(400, 'Service account token cannot be parsed: token is malformed: could not JSON decode claim'); }
  if (typeof claims !== 'object' || claims === null) throw new AgentError(400, 'Service account token cannot be parsed: token is malformed: could not JSON decode claim');
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= now) {
    throw new AgentError(400, 'Service account token failed basic claim validations: token has invalid claims: token is expired');
  }
  if (typeof claims.nbf === 'number' && claims.nbf * 1000 > now) {
    throw new AgentError(400, 'Service account token failed basic claim validations: token has invalid claims: token is not valid yet');
  }
  const sub = String(claims.sub ?? '');
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(sub);
  const k8s = claims['kubernetes.io'] ?? {};
  return {
    namespace: k8s.namespace ?? m?.[1] ?? '',
    serviceAccount: k8s.serviceaccount?.name ?? m?.[2] ?? '',
    podName: k8s.pod?.name,
    podUid: k8s.pod?.uid,
  };
}

export function clusterOf(world: WorldView): { name: string; arn: string; account: string } {
  const c = world.eks?.cluster ?? {};
  const name = c.name ?? world.gateway?.clusterName ?? 'cluster';
  const arn = c.arn ?? `arn:aws:eks:${world.region}:${world.account}:cluster/${name}`;
  return { name, arn, account: arn.split(':')[4] || world.account };
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function startAgent(deps: AgentDeps): Server {
  const { world, log, router } = deps;
  const pod = world.pod ?? {};
  const mode: string = pod.agent ?? 'running';

  async function credentials(req: IncomingMessage, entry: RequestLogEntry): Promise<{ status: number; body: string; json?: boolean }> {
    if (mode === 'throttled') return { status: 429, body: 'Too Many Requests\n' };
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
    if (mode === 'invalid-host') {
      return { status: 403, body: `Access Denied. Called agent through invalid address, please use either [169.254.170.23 fd00:ec2::23] address not ${host}\n` };
    }
    const token = String(req.headers.authorization ?? '');
    const claims = parseServiceAccountToken(token.trim());
    const requestId = entry.requestId;
    const cluster = clusterOf(world);
    const assoc = (world.eks?.podIdentityAssociations ?? []).find(
      (a: any) => a.namespace === claims.namespace && a.serviceAccount === claims.serviceAccount,
    );
    if (!assoc) {
      throw new AgentError(404, `[${requestId}]: (ResourceNotFoundException): Pod Identity Association not found for the service account, fault: client`, 'ResourceNotFoundException');
    }
    const podName = claims.podName ?? pod.name ?? 'pod';
    const podUid = claims.podUid ?? pod.uid ?? '00000000-0000-0000-0000-000000000000';
    const tags = assoc.disableSessionTags ? [] : [
      { Key: 'eks-cluster-arn', Value: cluster.arn },
      { Key: 'eks-cluster-name', Value: cluster.name },
      { Key: 'kubernetes-namespace', Value: claims.namespace },
      { Key: 'kubernetes-service-account', Value: claims.serviceAccount },
      { Key: 'kubernetes-pod-name', Value: podName },
      { Key: 'kubernetes-pod-uid', Value: podUid },
    ];
    const state: { reasons?: string[] } = {};
    const sc = router.context(eksAuthModule, 'AssumeRoleForPodIdentity', requestId, world.region, state);
    const sessionName = `eks-${cluster.name}-${podName}-${randomUUID()}`.slice(0, 64).replace(/[^\w+=,.@-]/g, '-');
    try {
      let result = await assumeRole(sc, {
        caller: podsService, roleArn: assoc.roleArn, sessionName, tags,
        transitiveTagKeys: tags.map((t) => t.Key), via: 'pod-identity',
        context: { 'aws:SourceAccount': cluster.account, 'aws:SourceArn': cluster.arn },
      });
      if (assoc.targetRoleArn) {
        // EKS chains from the association's role to the target role, passing the association's external id.
        result = await assumeRole(sc, {
          caller: result.principal, roleArn: assoc.targetRoleArn, sessionName,
          externalId: assoc.externalId, via: 'pod-identity',
        });
      }
      entry.callerArn = result.principal.arn;
      entry.accessKeyId = result.credentials.accessKeyId;
      entry.reason = state.reasons?.join('; ');
      const c = result.credentials;
      return {
        status: 200, json: true,
        body: JSON.stringify({
          AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken,
          AccountId: result.principal.accountId, Expiration: c.expiration.toISOString(),
        }),
      };
    } catch (e) {
      entry.reason = state.reasons?.join('; ') ?? (e as Error).message;
      if (e instanceof AwsFault && e.deny) {
        throw new AgentError(400, `[${requestId}]: (AccessDeniedException): ${EKS_AUTH_ACCESS_DENIED}, fault: client`, 'AccessDeniedException');
      }
      if (e instanceof AwsFault) {
        throw new AgentError(e.httpStatus, `[${requestId}]: (${e.code === 'ValidationError' ? 'InvalidRequestException' : e.code}): ${e.message}, fault: client`, e.code);
      }
      throw e;
    }
  }

  return createServer((req, res) => {
    const entry: RequestLogEntry = {
      time: new Date().toISOString(), service: 'pod-identity-agent', operation: `${req.method} ${(req.url ?? '/').split('?')[0]}`,
      callerArn: '', accessKeyId: '', decision: 'error', httpStatus: 0, harness: false, requestId: newRequestId(),
    };
    const finish = (status: number, body: string, json = false) => {
      entry.httpStatus = status;
      entry.decision = status === 200 ? 'allow' : entry.errorCode === 'AccessDeniedException' ? 'deny' : 'error';
      log.push(entry);
      send(res, status, body, json ? 'application/json' : undefined);
    };
    req.resume();
    req.on('end', async () => {
      await deps.faults?.delay();
      const path = (req.url ?? '/').split('?')[0];
      const agentFault = deps.faults?.agent;
      if (agentFault && path === '/v1/credentials') {
        entry.operation = 'AssumeRoleForPodIdentity';
        entry.fault = agentFault;
        if (agentFault === 'hang') { entry.errorCode = 'FaultHang'; log.push(entry); return; } // accepted, never answered
        entry.errorCode = agentFault === '429' ? 'FaultThrottled' : 'FaultInternal';
        finish(agentFault === '429' ? 429 : 500, agentFault === '429' ? 'Too Many Requests\n' : 'Internal Server Error\n');
        return;
      }
      if (path !== '/v1/credentials') { finish(404, '404 page not found\n'); return; }
      if (req.method !== 'GET') { finish(405, 'Method Not Allowed\n'); return; }
      entry.operation = 'AssumeRoleForPodIdentity';
      credentials(req, entry).then(
        (r) => finish(r.status, r.body, r.json),
        (e) => {
          if (e instanceof AgentError) {
            entry.errorCode = e.code ?? (e.status === 400 ? 'RequestValidationError' : undefined);
            if (mode === 'legacy-500' && e.code) {
              // Agents before mid-2024 answered EKS Auth failures with 500 and the SDK's longer error string.
              finish(500, `Internal Server Error: failed to fetch credentials: operation error EKS Auth: AssumeRoleForPodIdentity, https response error StatusCode: ${e.status}, RequestID: ${entry.requestId}, ${e.message}\n`);
              return;
            }
            finish(e.status, e.message + '\n');
            return;
          }
          console.error('[standin agent]', e);
          entry.errorCode = 'InternalError';
          finish(500, 'Internal Server Error\n');
        },
      );
    });
  });
}

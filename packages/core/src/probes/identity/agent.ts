// identity.agent: calls the Pod Identity agent itself, as the SDK would (GET AWS_CONTAINER_CREDENTIALS_FULL_URI
// with the token file's content as Authorization), and reads the raw status and body the SDK hides.
import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import type { AwsCredentials, Evidence, Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { registerSecret } from '../../redact.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { checkFullUri, classifyAgentExchange, relevantCauses, type AgentExchange, type AgentVerdict } from './classify.ts';
import {
  budgetMs,
  causeOutcomes,
  offlineLintCommands,
  podIdentityStatement,
  registeredPolicyProbes,
  remedyFromCauses,
  safeFailureCodes,
  workload,
} from './common.ts';

export const meta = {
  id: 'identity.agent',
  title: 'Pod Identity agent hands out credentials',
  area: 'identity',
  podOnly: true,
  after: registeredPolicyProbes(['policy.trust']),
  docs: 'docs/probes/identity.agent.md',
} satisfies ProbeMeta;

const MAX_BODY = 64 * 1024;

/** One GET with our own connect deadline and an overall deadline (both from the start); never throws. */
export function getOnce(
  url: URL,
  authorization: string | undefined,
  connectTimeoutMs: number,
  responseTimeoutMs: number,
  signal?: AbortSignal,
): Promise<AgentExchange> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    const done = (x: AgentExchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(responseTimer);
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(x);
    };
    const transport = (phase: 'connect' | 'response', errorCode: string, message: string) =>
      done({ kind: 'transport', phase, errorCode, message, elapsedMs: Date.now() - started });
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { ...(authorization !== undefined ? { Authorization: authorization } : {}), Host: url.host },
      agent: false,
    });
    let responseTimer: NodeJS.Timeout | undefined;
    const connectTimer = setTimeout(
      () => transport('connect', 'CONNECT_TIMEOUT', `no TCP connection within ${connectTimeoutMs} ms`),
      connectTimeoutMs,
    );
    const onAbort = () => transport(connected ? 'response' : 'connect', 'ABORTED', 'the probe deadline passed');
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('socket', (socket) => {
      const onConnect = () => {
        connected = true;
        clearTimeout(connectTimer);
        // responseTimeoutMs counts from the start: connect and answer together stay inside the probe's budget.
        const left = Math.max(50, responseTimeoutMs - (Date.now() - started));
        responseTimer = setTimeout(
          () => transport('response', 'RESPONSE_TIMEOUT', `connected, then no answer within ${left} ms`),
          left,
        );
      };
      if ((socket as { connecting?: boolean }).connecting === false) onConnect();
      else socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', onConnect);
    });
    req.on('error', (err: NodeJS.ErrnoException) => transport(connected ? 'response' : 'connect', err.code ?? 'ERROR', err.message));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      res.on('end', () =>
        done({ kind: 'response', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), elapsedMs: Date.now() - started }),
      );
      res.on('error', (err: NodeJS.ErrnoException) => transport('response', err.code ?? 'ERROR', err.message));
    });
    req.end();
  });
}

export async function run(ctx: ProbeContext): Promise<Finding> {
  const startedAt = Date.now();
  const env = ctx.env;
  const fullUri = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  if (!fullUri) {
    return {
      code: 'NOT_APPLICABLE',
      summary:
        'No AWS_CONTAINER_CREDENTIALS_FULL_URI in this pod, so there is no Pod Identity agent to call (identity.env says why)',
      evidence: { fullUriSet: false },
    };
  }
  const verdict = checkFullUri(fullUri);
  if (!verdict.accepted) {
    return {
      code: 'NOT_APPLICABLE',
      summary: `The SDK refuses AWS_CONTAINER_CREDENTIALS_FULL_URI (${verdict.reason}) without calling it, so neither does this probe (identity.env: FULL_URI_UNEXPECTED)`,
      evidence: { fullUri },
    };
  }
  let authorization: string | undefined;
  const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
  if (tokenFile) {
    try {
      authorization = (await readFile(tokenFile)).toString('utf8');
    } catch {
      authorization = undefined; // identity.env reports TOKEN_FILE_MISSING; the agent will say what it makes of none
    }
  } else if (env.AWS_CONTAINER_AUTHORIZATION_TOKEN) {
    authorization = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  }
  if (authorization) registerSecret(authorization);

  const connectTimeoutMs = Math.min(ctx.config.options.connectTimeoutMs, budgetMs(ctx.config, startedAt));
  const exchange = await getOnce(
    verdict.url,
    authorization,
    connectTimeoutMs,
    budgetMs(ctx.config, startedAt),
    ctx.signal,
  );
  const evidence: Evidence = { url: fullUri, elapsedMs: exchange.elapsedMs };
  let credentials: AwsCredentials | undefined;
  if (exchange.kind === 'response') {
    evidence.httpStatus = exchange.status;
    if (exchange.status === 200) credentials = registerCredentials(exchange.body);
  } else {
    evidence.error = exchange.errorCode;
    evidence.phase = exchange.phase;
  }
  const v = classifyAgentExchange(exchange);
  if (v.agentMessage && exchange.kind === 'response' && exchange.status !== 200) evidence.agentMessage = v.agentMessage;
  if (v.requestId) evidence.requestId = v.requestId;
  if (v.code === 'OK' && credentials) await addRole(ctx, credentials, evidence);
  return toFinding(v, ctx, evidence);
}

/** Registers the credentials for redaction the moment they arrive; returns them for the role look-up. */
function registerCredentials(body: string): AwsCredentials | undefined {
  try {
    const creds = JSON.parse(body) as Record<string, unknown>;
    for (const k of ['SecretAccessKey', 'Token', 'AccessKeyId']) {
      if (typeof creds[k] === 'string' && creds[k]) registerSecret(creds[k] as string);
    }
    if (typeof creds.AccessKeyId === 'string' && typeof creds.SecretAccessKey === 'string') {
      return {
        accessKeyId: creds.AccessKeyId,
        secretAccessKey: creds.SecretAccessKey,
        ...(typeof creds.Token === 'string' ? { sessionToken: creds.Token } : {}),
      };
    }
  } catch {
    // not JSON: nothing to register, and the body never reaches evidence
  }
  return undefined;
}

/** The agent's answer carries no role: ask STS who these credentials are (best effort, never decides the outcome). */
async function addRole(ctx: ProbeContext, credentials: AwsCredentials, evidence: Evidence): Promise<void> {
  try {
    const id = await ctx.aws.call<{ Arn?: string }>('sts', 'GetCallerIdentity', {}, { credentials });
    if (id.Arn) {
      evidence.arn = id.Arn;
      const role = /assumed-role\/([^/]+)\//.exec(id.Arn)?.[1];
      if (role) evidence.role = role;
    }
  } catch (err) {
    evidence.roleLookup = isAwsCallError(err) ? `${err.info.kind}: ${err.info.awsCode ?? ''}`.trim() : 'failed';
  }
}

async function toFinding(v: AgentVerdict, ctx: ProbeContext, evidence: Evidence): Promise<Finding> {
  const w = workload(ctx.config, ctx.env);
  const host = String(evidence.url);
  switch (v.code) {
    case 'OK': {
      if (v.accountId) evidence.account = v.accountId;
      if (v.expiration) evidence.expiration = v.expiration;
      return {
        code: 'OK',
        summary: `The agent handed out credentials${evidence.role ? ` for role ${evidence.role}` : ''}${v.accountId ? ` in account ${v.accountId}` : ''}, valid until ${v.expiration}`,
        evidence,
      };
    }
    case 'AGENT_UNREACHABLE': {
      const how =
        v.reason === 'refused'
          ? 'the connection was refused: nothing listens there'
          : v.reason === 'timeout'
            ? `the connection timed out after ${evidence.elapsedMs} ms: something drops the packets`
            : 'there is no route to it from this pod';
      evidence.reason = v.reason ?? 'unknown';
      const commands = [
        `aws eks describe-addon --cluster-name ${w.cluster} --addon-name eks-pod-identity-agent`,
        `aws eks create-addon --cluster-name ${w.cluster} --addon-name eks-pod-identity-agent`,
        `kubectl -n kube-system get daemonset eks-pod-identity-agent`,
        ...(ctx.env.NODE_NAME
          ? [`kubectl -n kube-system get pods -l app.kubernetes.io/name=eks-pod-identity-agent --field-selector spec.nodeName=${ctx.env.NODE_NAME} -o wide`]
          : []),
      ];
      const policy =
        v.reason === 'timeout'
          ? {
              apiVersion: 'networking.k8s.io/v1',
              kind: 'NetworkPolicy',
              metadata: { name: 'allow-eks-pod-identity-agent', namespace: w.namespace },
              spec: {
                podSelector: {},
                policyTypes: ['Egress'],
                egress: [{ to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: [{ protocol: 'TCP', port: 80 }] }],
              },
            }
          : undefined;
      return {
        code: 'AGENT_UNREACHABLE',
        summary: `The Pod Identity agent at ${host} cannot be reached: ${how}`,
        evidence,
        remedy: {
          text:
            (v.reason === 'timeout'
              ? `A NetworkPolicy (or Cilium policy) that restricts egress from ${w.namespace} must allow 169.254.170.23/32 on TCP port 80 (the agent's link-local address; on IPv6 clusters fd00:ec2::23/128) — apply the policy below. Also check that the agent runs on this node. `
              : 'The eks-pod-identity-agent add-on must be installed and its DaemonSet kube-system/eks-pod-identity-agent must run on this node (not on Fargate; EKS Auto Mode needs no add-on; a hostNetwork pod cannot use the agent). ') +
            (ctx.env.NODE_NAME ? `This pod runs on node ${ctx.env.NODE_NAME}.` : ''),
          commands,
          ...(policy ? { policy } : {}),
        },
      };
    }
    case 'AGENT_TOKEN_REJECTED':
      return {
        code: 'AGENT_TOKEN_REJECTED',
        summary: `The agent rejected the service account token: ${v.agentMessage}`,
        evidence,
        remedy: {
          text:
            'The token is the projected service account token the webhook mounts (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE); the kubelet refreshes it. An empty or unparseable file means something overwrote the mount or the variable points elsewhere; an expired one means the kubelet stopped refreshing it (a pod restored from a snapshot, a stuck kubelet). Recreate the pod and check that nothing in the spec replaces the eks-pod-identity-token volume.',
          commands: [`kubectl -n ${w.namespace} rollout restart deployment/${w.deployment}`],
        },
      };
    case 'AGENT_INVALID_HOST':
      return {
        code: 'AGENT_INVALID_HOST',
        summary: `The agent refused the request (HTTP 403): ${v.agentMessage}`,
        evidence,
        remedy: {
          text:
            'The agent only answers requests addressed to 169.254.170.23 (or [fd00:ec2::23]): a proxy (HTTP_PROXY without NO_PROXY for 169.254.170.23) or a rewritten AWS_CONTAINER_CREDENTIALS_FULL_URI sends it another Host. Add 169.254.170.23 to NO_PROXY and let the webhook set the URI.',
          commands: [`kubectl -n ${w.namespace} set env deployment/${w.deployment} NO_PROXY=169.254.170.23,169.254.169.254`],
        },
      };
    case 'AGENT_THROTTLED':
      return {
        code: 'AGENT_THROTTLED',
        summary: `The agent throttled the request (HTTP 429${v.agentMessage ? `: ${v.agentMessage}` : ''}); the result is undecided, retry shortly`,
        evidence,
        remedy: {
          text:
            'The agent (and EKS Auth behind it) rate-limits credential requests. Something on this node fetches credentials far more often than needed — usually a client created per request instead of one shared, cached credential provider. Retry the diagnosis after a minute.',
        },
      };
    case 'EKS_AUTH_ACCESS_DENIED': {
      const causes = relevantCauses('eks-auth', safeFailureCodes(ctx, ['policy.trust']));
      const outcomes = causeOutcomes(ctx, ['policy.trust'], causes);
      return {
        code: 'EKS_AUTH_ACCESS_DENIED',
        summary: `EKS Auth refused to assume ${ctx.config.roleArn} for this pod: ${v.agentMessage}`,
        evidence,
        ...(causes.length ? { causes } : {}),
        remedy: remedyFromCauses(outcomes, {
          text:
            `The role's trust policy must let the service principal pods.eks.amazonaws.com perform sts:AssumeRole AND sts:TagSession (EKS always passes the six session tags), with no condition the pod's request does not meet (aws:RequestTag/kubernetes-namespace = ${w.namespace}, kubernetes-service-account = ${w.serviceAccount}, eks-cluster-name = ${w.cluster}; aws:SourceAccount = the cluster's account; no aws:SourceArn naming an association). Add this statement to the trust policy:`,
          policy: podIdentityStatement(),
          // This pod has no credentials to read the trust policy with: check it offline, from anywhere that may.
          commands: offlineLintCommands(ctx.config),
        }),
      };
    }
    case 'EKS_AUTH_NOT_FOUND':
      return {
        code: 'EKS_AUTH_NOT_FOUND',
        summary: `EKS Auth found no Pod Identity association for this pod's service account${v.agentMessage ? `: ${v.agentMessage}` : ''}`,
        evidence,
        remedy: {
          text: `The association for ${w.namespace}/${w.serviceAccount} in cluster ${w.cluster} was deleted (or the pod was admitted under another one). Recreate it; running pods pick it up on the next credential refresh.`,
          commands: [
            `aws eks list-pod-identity-associations --cluster-name ${w.cluster} --namespace ${w.namespace} --service-account ${w.serviceAccount}`,
            `aws eks create-pod-identity-association --cluster-name ${w.cluster} --namespace ${w.namespace} --service-account ${w.serviceAccount} --role-arn ${ctx.config.roleArn}`,
          ],
        },
      };
    case 'AGENT_ERROR':
      return {
        code: 'AGENT_ERROR',
        summary: `The agent at ${host} answered in a way that decides nothing: ${
          v.agentMessage ?? (evidence.httpStatus ? `HTTP ${evidence.httpStatus}` : 'no answer')
        }`,
        evidence,
        remedy: {
          text: 'Look at the agent on this node: its logs usually say what EKS Auth returned. Retry the diagnosis once it is healthy.',
          commands: [`kubectl -n kube-system logs daemonset/eks-pod-identity-agent --tail=100`],
        },
      };
  }
}

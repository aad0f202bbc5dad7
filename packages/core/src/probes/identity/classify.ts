// Pure classifiers of the identity probes: the pod's environment, the Pod Identity agent's answers, the caller's
// identity and STS's AssumeRole errors. No I/O here, so each rule is table-tested without AWS
// (packages/core/test/identity.test.ts); the probe files fetch evidence and call these.
import type { AwsCallErrorInfo } from '../../types.ts';

// ---------------------------------------------------------------------------------------------------------------
// The environment

/** The Pod Identity agent's addresses (EKS docs: pod-id-how-it-works). */
export const EKS_AGENT_IPV4 = '169.254.170.23';
export const EKS_AGENT_IPV6 = '[fd00:ec2::23]';

/** The six session tags EKS Pod Identity sets on every session, all transitive (EKS docs: pod-id-abac). */
import { POD_IDENTITY_TAG_KEYS } from '../../analyze/trust.ts';
export { POD_IDENTITY_TAG_KEYS };

/** Variables that decide where the SDK's default chain gets credentials from (names only ever go to evidence). */
export const CREDENTIAL_ENV_NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_EC2_METADATA_DISABLED',
] as const;

export type FullUriVerdict = { accepted: true; url: URL } | { accepted: false; reason: string };

/**
 * The JS SDK's rule for AWS_CONTAINER_CREDENTIALS_FULL_URI (`@aws-sdk/credential-provider-http`, `checkUrl`):
 * any https URL; over http only the ECS host 169.254.170.2, the EKS hosts 169.254.170.23 and [fd00:ec2::23],
 * `localhost`, 127.0.0.0/8 and [::1]. Anything else is refused before a byte is sent.
 */
export function checkFullUri(value: string): FullUriVerdict {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { accepted: false, reason: 'not a URL' };
  }
  if (url.protocol === 'https:') return { accepted: true, url };
  if (url.protocol !== 'http:') return { accepted: false, reason: `scheme ${url.protocol} (only http and https)` };
  const host = url.hostname;
  if (host === '169.254.170.2' || host === EKS_AGENT_IPV4 || host === EKS_AGENT_IPV6) return { accepted: true, url };
  if (host === '[::1]' || host === '[0000:0000:0000:0000:0000:0000:0000:0001]') return { accepted: true, url };
  if (host === 'localhost') return { accepted: true, url };
  const parts = host.split('.');
  const octet = (p: string | undefined) => p !== undefined && /^\d{1,3}$/.test(p) && Number(p) <= 255;
  if (parts.length === 4 && parts[0] === '127' && octet(parts[1]) && octet(parts[2]) && octet(parts[3])) {
    return { accepted: true, url };
  }
  return {
    accepted: false,
    reason: `http host ${host} is not loopback, 169.254.170.2, ${EKS_AGENT_IPV4} or ${EKS_AGENT_IPV6}`,
  };
}

/** What the env probe learnt about the token file (read by the probe; only facts, never the token). */
export interface TokenFileFacts {
  path: string;
  readable: boolean;
  /** errno code when not readable */
  error?: string;
  bytes?: number;
  /** Claims decoded from a JWT-shaped token (never verified: that is EKS Auth's job). */
  subject?: string;
  expiresAt?: string;
  expired?: boolean;
}

export interface EnvFinding {
  code:
    | 'OK'
    | 'POD_IDENTITY_ENV_MISSING'
    | 'TOKEN_FILE_MISSING'
    | 'IRSA_ENV_PRESENT'
    | 'STATIC_KEYS_PRESENT'
    | 'FULL_URI_UNEXPECTED';
  /** Short facts that say why; the probe turns them into summary, evidence and remedy. */
  detail: string;
  /** Set when the finding is milder than the code's catalog status. */
  status?: 'warn';
}

/** The variables the webhook (or someone) put in the pod, and what the SDK's chain will do with them. */
export function analyzeEnv(env: Readonly<Record<string, string | undefined>>, token?: TokenFileFacts): EnvFinding[] {
  const has = (name: string) => typeof env[name] === 'string' && env[name] !== '';
  const findings: EnvFinding[] = [];
  const fullUri = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  const podIdentity = has('AWS_CONTAINER_CREDENTIALS_FULL_URI');
  const irsa = has('AWS_WEB_IDENTITY_TOKEN_FILE') || has('AWS_ROLE_ARN');

  // fromEnv comes first in the chain and needs both halves of the pair.
  if (has('AWS_ACCESS_KEY_ID') && has('AWS_SECRET_ACCESS_KEY')) {
    findings.push({
      code: 'STATIC_KEYS_PRESENT',
      detail: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set: the SDK uses them before any other source',
    });
  }
  if (!podIdentity) {
    const other = has('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')
      ? 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (ECS-style) is set instead'
      : irsa
        ? 'the pod carries IRSA variables instead'
        : 'no Pod Identity variable is set';
    // A pod on IRSA alone has a working credential source (identity.caller says whether it is the right role);
    // it is not what this setup expects, but not a broken chain either.
    const irsaOnly = irsa && has('AWS_WEB_IDENTITY_TOKEN_FILE') && has('AWS_ROLE_ARN') && !findings.length;
    findings.push({ code: 'POD_IDENTITY_ENV_MISSING', detail: other, ...(irsaOnly ? { status: 'warn' as const } : {}) });
    return findings;
  }
  if (irsa) {
    findings.push({
      code: 'IRSA_ENV_PRESENT',
      detail:
        'AWS_ROLE_ARN/AWS_WEB_IDENTITY_TOKEN_FILE are set beside the Pod Identity variables: the web-identity provider comes before the container provider in the SDK chain',
    });
  }
  const verdict = checkFullUri(fullUri as string);
  if (!verdict.accepted) findings.push({ code: 'FULL_URI_UNEXPECTED', detail: verdict.reason });
  else if (has('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')) {
    findings.push({
      code: 'FULL_URI_UNEXPECTED',
      detail: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is also set and takes precedence: the SDK calls 169.254.170.2 instead',
    });
  }
  if (!has('AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE')) {
    if (!has('AWS_CONTAINER_AUTHORIZATION_TOKEN')) {
      findings.push({ code: 'TOKEN_FILE_MISSING', detail: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is not set' });
    }
  } else if (token && !token.readable) {
    findings.push({
      code: 'TOKEN_FILE_MISSING',
      detail: `${token.path} cannot be read${token.error ? ` (${token.error})` : ''}`,
    });
  }
  if (findings.length === 0) findings.push({ code: 'OK', detail: 'Pod Identity variables present and usable' });
  return findings;
}

/** Claims of a JWT-shaped token, without verifying it. Undefined when it is not a JWT. */
export function decodeTokenClaims(token: string, now = Date.now()): Pick<TokenFileFacts, 'subject' | 'expiresAt' | 'expired'> | undefined {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    const out: Pick<TokenFileFacts, 'subject' | 'expiresAt' | 'expired'> = {};
    if (typeof payload.sub === 'string') out.subject = payload.sub;
    if (typeof payload.exp === 'number') {
      out.expiresAt = new Date(payload.exp * 1000).toISOString();
      out.expired = payload.exp * 1000 < now;
    }
    return out;
  } catch {
    return undefined;
  }
}

/** `system:serviceaccount:<ns>:<sa>` → { namespace, serviceAccount }. */
export function parseServiceAccountSubject(sub: string | undefined): { namespace: string; serviceAccount: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(sub ?? '');
  return m ? { namespace: m[1] as string, serviceAccount: m[2] as string } : undefined;
}

/** The Deployment behind a pod name `<deployment>-<replicaset hash>-<suffix>`, if it has that shape. */
export function deploymentFromPodName(podName: string | undefined): string | undefined {
  const m = /^(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$/.exec(podName ?? '');
  return m ? m[1] : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The Pod Identity agent

export type AgentCode =
  | 'OK'
  | 'AGENT_UNREACHABLE'
  | 'AGENT_TOKEN_REJECTED'
  | 'AGENT_INVALID_HOST'
  | 'AGENT_THROTTLED'
  | 'EKS_AUTH_ACCESS_DENIED'
  | 'EKS_AUTH_NOT_FOUND'
  | 'AGENT_ERROR';

/** What one GET to the agent came to. */
export type AgentExchange =
  | { kind: 'response'; status: number; body: string; elapsedMs: number }
  | {
      kind: 'transport';
      /** connect: no TCP connection; response: connected, then no (complete) answer */
      phase: 'connect' | 'response';
      /** Node's errno code, or CONNECT_TIMEOUT / RESPONSE_TIMEOUT for our own deadlines */
      errorCode: string;
      message: string;
      elapsedMs: number;
    };

export interface AgentVerdict {
  code: AgentCode;
  /** For AGENT_UNREACHABLE: refused | timeout | unreachable */
  reason?: 'refused' | 'timeout' | 'unreachable';
  /** The agent's own words (its body, first line), when it answered */
  agentMessage?: string;
  /** The request id EKS Auth put in brackets at the start of the body */
  requestId?: string;
  /** For OK: the credentials' non-secret facts */
  accountId?: string;
  expiration?: string;
}

// EKS Auth's AccessDenied for the role's trust policy, as the agent passes it through (HTTP 400 since mid-2024,
// HTTP 500 with the same text inside a longer string before).
const EKS_AUTH_DENIED = /AccessDeniedException|EKS does not have permissions to assume the associated role/i;
const EKS_AUTH_NOT_FOUND = /ResourceNotFoundException|could not be found|association.*not found/i;
// The agent's own token validation ("Service account token cannot be empty|cannot be parsed|failed basic claim
// validations: ... token is expired") and EKS Auth's token errors passed through.
const TOKEN_WORDS = /service account token|InvalidTokenException|ExpiredTokenException|token is expired|token is malformed/i;
const REQUEST_ID = /^\s*\[([^\]]+)\]/;
const REQUEST_ID_INSIDE = /RequestID:\s*([\w-]+)/;

function firstLine(body: string): string {
  const line = body.trim().split(/\r?\n/)[0] ?? '';
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

/** Classifies the agent's raw answer (or the lack of one). Never returns credentials: only their facts. */
export function classifyAgentExchange(x: AgentExchange): AgentVerdict {
  if (x.kind === 'transport') {
    if (x.phase === 'connect') {
      if (x.errorCode === 'ECONNREFUSED') return { code: 'AGENT_UNREACHABLE', reason: 'refused' };
      if (x.errorCode === 'CONNECT_TIMEOUT' || x.errorCode === 'ETIMEDOUT') return { code: 'AGENT_UNREACHABLE', reason: 'timeout' };
      if (x.errorCode === 'EHOSTUNREACH' || x.errorCode === 'ENETUNREACH' || x.errorCode === 'EADDRNOTAVAIL') {
        return { code: 'AGENT_UNREACHABLE', reason: 'unreachable' };
      }
    }
    // Accepted then hung, reset, or anything else on the wire: the agent is there but we could not decide.
    return { code: 'AGENT_ERROR', agentMessage: `${x.errorCode}: ${x.message}` };
  }
  const agentMessage = firstLine(x.body);
  const requestId = REQUEST_ID.exec(x.body)?.[1] ?? REQUEST_ID_INSIDE.exec(x.body)?.[1];
  const base = { agentMessage, ...(requestId ? { requestId } : {}) };
  if (x.status === 200) {
    try {
      const creds = JSON.parse(x.body) as Record<string, unknown>;
      if (
        typeof creds.AccessKeyId === 'string' &&
        typeof creds.SecretAccessKey === 'string' &&
        typeof creds.Token === 'string' &&
        typeof creds.Expiration === 'string'
      ) {
        return {
          code: 'OK',
          ...(typeof creds.AccountId === 'string' ? { accountId: creds.AccountId } : {}),
          expiration: creds.Expiration,
        };
      }
    } catch {
      // fall through
    }
    return { code: 'AGENT_ERROR', agentMessage: 'HTTP 200 without the credential fields the SDK requires' };
  }
  if (x.status === 429) return { code: 'AGENT_THROTTLED', ...base };
  if (x.status === 403) return { code: 'AGENT_INVALID_HOST', ...base };
  if ((x.status === 400 || x.status >= 500) && EKS_AUTH_DENIED.test(x.body)) return { code: 'EKS_AUTH_ACCESS_DENIED', ...base };
  if (x.status === 404 || EKS_AUTH_NOT_FOUND.test(x.body)) return { code: 'EKS_AUTH_NOT_FOUND', ...base };
  if (x.status === 400 && TOKEN_WORDS.test(x.body)) return { code: 'AGENT_TOKEN_REJECTED', ...base };
  if (x.status === 401 && TOKEN_WORDS.test(x.body)) return { code: 'AGENT_TOKEN_REJECTED', ...base };
  return { code: 'AGENT_ERROR', ...base };
}

// ---------------------------------------------------------------------------------------------------------------
// The caller

export interface CallerArn {
  partition: string;
  account: string;
  kind: 'assumed-role' | 'user' | 'root' | 'federated-user' | 'other';
  /** assumed-role: the role's name (no path); user: the user's name */
  name?: string;
  sessionName?: string;
}

export function parseCallerArn(arn: string): CallerArn {
  const m = /^arn:([^:]+):(sts|iam)::(\d{12}):(.+)$/.exec(arn);
  if (!m) return { partition: '', account: '', kind: 'other' };
  const [, partition, service, account, resource] = m as unknown as [string, string, string, string, string];
  if (service === 'sts') {
    const ar = /^assumed-role\/([^/]+)\/(.+)$/.exec(resource);
    if (ar) return { partition, account, kind: 'assumed-role', name: ar[1], sessionName: ar[2] };
    const fu = /^federated-user\/(.+)$/.exec(resource);
    if (fu) return { partition, account, kind: 'federated-user', name: fu[1] };
    return { partition, account, kind: 'other' };
  }
  if (resource === 'root') return { partition, account, kind: 'root' };
  const user = /^user\/(?:.*\/)?([^/]+)$/.exec(resource);
  if (user) return { partition, account, kind: 'user', name: user[1] };
  return { partition, account, kind: 'other' };
}

export interface RoleArn {
  partition: string;
  account: string;
  /** the role's name, the last path segment */
  name: string;
  path: string;
}

export function parseRoleArn(arn: string): RoleArn | undefined {
  const m = /^arn:([^:]+):iam::(\d{12}):role\/(.+)$/.exec(arn);
  if (!m) return undefined;
  const full = m[3] as string;
  const slash = full.lastIndexOf('/');
  return { partition: m[1] as string, account: m[2] as string, name: full.slice(slash + 1), path: `/${full.slice(0, slash + 1)}` };
}

export type CallerSource = 'configured-role' | 'node-role-imds' | 'irsa-role' | 'other-association' | 'static-keys' | 'other';

export interface CallerVerdict {
  code: 'OK' | 'WRONG_ROLE';
  source: CallerSource;
  /** One line: where these credentials come from, as far as the evidence shows */
  explanation: string;
}

/**
 * Is the identity the chain yields the configured role? When not, which source produced it: judged from the
 * session name (EC2 instance profiles name the session after the instance id; EKS Pod Identity `eks-<cluster>-…`)
 * and from the environment (IRSA variables, static keys).
 */
export function classifyCaller(
  callerArn: string,
  configuredRoleArn: string,
  env: Readonly<Record<string, string | undefined>>,
): CallerVerdict {
  const caller = parseCallerArn(callerArn);
  const role = parseRoleArn(configuredRoleArn);
  const set = (n: string) => typeof env[n] === 'string' && env[n] !== '';
  if (
    role &&
    caller.kind === 'assumed-role' &&
    caller.account === role.account &&
    caller.name === role.name
  ) {
    return { code: 'OK', source: 'configured-role', explanation: `the configured role ${role.name}` };
  }
  if (caller.kind === 'user' || caller.kind === 'root' || (set('AWS_ACCESS_KEY_ID') && set('AWS_SECRET_ACCESS_KEY'))) {
    return {
      code: 'WRONG_ROLE',
      source: 'static-keys',
      explanation: `static access keys in the environment (${caller.kind === 'user' ? `IAM user ${caller.name}` : caller.kind})`,
    };
  }
  if (caller.kind === 'assumed-role' && /^i-[0-9a-f]{8,17}$/.test(caller.sessionName ?? '')) {
    return {
      code: 'WRONG_ROLE',
      source: 'node-role-imds',
      explanation: `the node's instance role ${caller.name} through IMDS (session ${caller.sessionName}): the SDK found no Pod Identity variables and fell back to the instance metadata service`,
    };
  }
  if (set('AWS_WEB_IDENTITY_TOKEN_FILE') && set('AWS_ROLE_ARN')) {
    return {
      code: 'WRONG_ROLE',
      source: 'irsa-role',
      explanation: `the IRSA role ${caller.name ?? callerArn} from AWS_ROLE_ARN: the web-identity provider comes before Pod Identity in the SDK chain`,
    };
  }
  if (caller.kind === 'assumed-role' && /^eks-/.test(caller.sessionName ?? '')) {
    return {
      code: 'WRONG_ROLE',
      source: 'other-association',
      explanation: `the role ${caller.name} of a Pod Identity association that names another role than the configured one`,
    };
  }
  return { code: 'WRONG_ROLE', source: 'other', explanation: `${callerArn}, not the configured role` };
}

// ---------------------------------------------------------------------------------------------------------------
// STS AssumeRole errors

export type AssumeRoleCode =
  | 'SELF_ASSUME_DENIED'
  | 'SELF_ASSUME_TAG_SESSION_DENIED'
  | 'TAG_SESSION_DENIED'
  | 'CHAINING_DURATION_EXCEEDED'
  | 'PACKED_POLICY_TOO_LARGE'
  | 'TAG_KEY_CONFLICT'
  | 'ASSUME_ROLE_REJECTED';

/** Which action STS's AccessDenied names: `... is not authorized to perform: sts:TagSession on resource: ...`. */
export function deniedAction(message: string): string | undefined {
  return /not authorized to perform:?\s*(sts:[A-Za-z]+)/.exec(message)?.[1];
}

/**
 * Classifies STS's answer to the self-assume (mode 'self', no tags) or the tagged assume (mode 'tags').
 * Undefined: not an STS verdict about the request (throttling, 5xx, unreachable...): the generic codes apply.
 */
export function classifyAssumeRoleError(
  info: Pick<AwsCallErrorInfo, 'kind' | 'awsCode' | 'message' | 'httpStatus'>,
  mode: 'self' | 'tags',
): AssumeRoleCode | undefined {
  const code = info.awsCode ?? '';
  const message = info.message ?? '';
  if (/^PackedPolicyTooLarge/.test(code) || /packed size/i.test(message)) return 'PACKED_POLICY_TOO_LARGE';
  if (/^(ValidationError|InvalidParameterValue)/.test(code) && /role chaining|1 hour session limit/i.test(message)) {
    return 'CHAINING_DURATION_EXCEEDED';
  }
  if (
    mode === 'tags' &&
    /^(ValidationError|InvalidParameterValue|InvalidParameterCombination)/.test(code) &&
    (/transitive/i.test(message) || POD_IDENTITY_TAG_KEYS.some((k) => message.toLowerCase().includes(k)))
  ) {
    return 'TAG_KEY_CONFLICT';
  }
  if (code === 'AccessDenied' || code === 'AccessDeniedException' || info.kind === 'denied') {
    if (mode === 'tags') return 'TAG_SESSION_DENIED';
    return deniedAction(message) === 'sts:TagSession' ? 'SELF_ASSUME_TAG_SESSION_DENIED' : 'SELF_ASSUME_DENIED';
  }
  // Any other 4xx STS sent about the request itself (RegionDisabledException, other ValidationErrors, ...).
  if (info.kind === 'client' && info.httpStatus !== undefined && info.httpStatus >= 400 && info.httpStatus < 500) {
    return 'ASSUME_ROLE_REJECTED';
  }
  return undefined;
}

/** Configured session tag keys that Pod Identity already set transitively (tag keys compare case-insensitively). */
export function conflictingTagKeys(sessionTags: Record<string, string>): string[] {
  const reserved = new Set<string>(POD_IDENTITY_TAG_KEYS);
  return Object.keys(sessionTags).filter((k) => reserved.has(k.toLowerCase()));
}

// ---------------------------------------------------------------------------------------------------------------
// Joining causes

/** Root-cause codes of the policy analysis that can explain a denied self-assume (without tags). */
const SELF_ASSUME_CAUSES = new Set([
  'TRUST_SELF_MISSING',
  'TRUST_SELF_HAS_EXTERNAL_ID',
  'TRUST_SELF_VIA_ACCOUNT_ROOT',
  'TRUST_PRINCIPAL_UNIQUE_ID',
  'TRUST_EXPLICIT_DENY',
  'TRUST_INVALID',
  'PERMISSION_SELF_ASSUME_MISSING',
  'PERMISSION_BOUNDARY_BLOCKS',
  'PERMISSION_EXPLICIT_DENY',
]);
/** ... and a denied sts:TagSession on it. */
const TAG_SESSION_CAUSES = new Set([
  'TRUST_SELF_NO_TAG_SESSION',
  'TRUST_SELF_VIA_ACCOUNT_ROOT',
  'TRUST_EXPLICIT_DENY',
  'TRUST_INVALID',
  'PERMISSION_TAG_SESSION_MISSING',
  'PERMISSION_BOUNDARY_BLOCKS',
  'PERMISSION_EXPLICIT_DENY',
]);
/** ... and EKS Auth's refusal to assume the role for the pod. */
const EKS_AUTH_CAUSES = /^(TRUST_POD_IDENTITY_|TRUST_EXPLICIT_DENY$|TRUST_INVALID$|TRUST_PRINCIPAL_UNIQUE_ID$)/;

export function relevantCauses(kind: 'self-assume' | 'tag-session' | 'eks-auth', codes: string[]): string[] {
  const keep =
    kind === 'self-assume'
      ? (c: string) => SELF_ASSUME_CAUSES.has(c)
      : kind === 'tag-session'
        ? (c: string) => TAG_SESSION_CAUSES.has(c)
        : (c: string) => EKS_AUTH_CAUSES.test(c);
  return [...new Set(codes.filter(keep))];
}

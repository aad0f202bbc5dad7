// STS: GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity (query protocol, version 2011-06-15).
// The decisions live in ../assume.ts; this file maps wire parameters and shapes the results.
import { assumeRole, type SessionTag } from '../assume.ts';
import { AwsFault, type Principal, type ServiceModule, type StandinContext, type StandinRequest } from '../types.ts';

function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return Number(v);
}

function list<T>(v: unknown): T[] {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v as T];
}

function credentialsXml(c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration: Date }) {
  return { AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: c.expiration };
}

function userId(p: Principal): string {
  if (p.kind === 'assumed-role') return `${p.roleId}:${p.sessionName}`;
  return p.roleId || 'AIDASTANDINUSER00001';
}

function base64urlJson(part: string | undefined): any {
  if (!part) return undefined;
  try { return JSON.parse(Buffer.from(part.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')); } catch { return undefined; }
}

/** The evaluator only admits the OIDC condition keys of providers it knows (`<issuer>:sub` of an EKS cluster is
 *  not one), so the provider's keys are renamed to a known provider's in both the trust policy and the request
 *  context: string conditions compare the same values either way. */
const EVALUATOR_OIDC_PREFIX = 'accounts.google.com';

function renameConditionKeys(doc: unknown, from: string, to: string): unknown {
  const d = typeof doc === 'string' ? JSON.parse(doc) : doc;
  if (!d || typeof d !== 'object') return d;
  const statements = Array.isArray((d as any).Statement) ? (d as any).Statement : [(d as any).Statement];
  const renamed = statements.map((st: any) => {
    if (!st?.Condition) return st;
    const cond: Record<string, Record<string, unknown>> = {};
    for (const [op, block] of Object.entries(st.Condition as Record<string, Record<string, unknown>>)) {
      cond[op] = Object.fromEntries(Object.entries(block).map(([k, v]) => [k.toLowerCase().startsWith(from.toLowerCase()) ? to + k.slice(from.length) : k, v]));
    }
    return { ...st, Condition: cond };
  });
  return { ...(d as object), Statement: renamed };
}

async function assumeRoleWithWebIdentity(req: StandinRequest, sc: StandinContext) {
  const p = req.params;
  const world = sc.world;
  const token: string = p.WebIdentityToken ?? '';
  const claims = base64urlJson(token.split('.')[1]);
  if (!claims || typeof claims !== 'object') {
    throw new AwsFault('InvalidIdentityToken', 'Couldn\'t retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements', 400);
  }
  const issuer: string = String(claims.iss ?? `https://oidc.eks.${world.region}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`);
  const providerPath = issuer.replace(/^https:\/\//, '');
  const irsa = world.pod?.irsa ?? {};
  if (irsa.oidcProviderExists === false) {
    throw new AwsFault('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${issuer}`, 400);
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) {
    throw new AwsFault('ExpiredTokenException', 'Token expired: current date/time is after the exp claim', 400);
  }
  const providerArn = `arn:aws:iam::${world.account}:oidc-provider/${providerPath}`;
  const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud ?? 'sts.amazonaws.com';
  const federated: Principal = {
    kind: 'service', arn: providerArn, roleArn: '', roleId: '', accountId: world.account, sessionName: '',
    tags: {}, transitiveTagKeys: [], via: 'web-identity', chained: false,
  };
  const result = await assumeRole(sc, {
    caller: req.caller, evaluatedCaller: federated,
    roleArn: p.RoleArn, sessionName: p.RoleSessionName, durationSeconds: num(p.DurationSeconds),
    policy: p.Policy, via: 'web-identity', action: 'sts:AssumeRoleWithWebIdentity',
    rewriteTrust: (doc) => renameConditionKeys(doc, `${providerPath}:`, `${EVALUATOR_OIDC_PREFIX}:`),
    context: {
      [`${EVALUATOR_OIDC_PREFIX}:sub`]: String(claims.sub ?? ''),
      [`${EVALUATOR_OIDC_PREFIX}:aud`]: String(aud),
      'aws:FederatedProvider': providerArn,
    },
  }).catch((e) => {
    // AWS words a web-identity denial as "Not authorized to perform sts:AssumeRoleWithWebIdentity".
    if (e instanceof AwsFault && e.deny) throw new AwsFault('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403, { deny: true });
    throw e;
  });
  return {
    Credentials: credentialsXml(result.credentials),
    SubjectFromWebIdentityToken: String(claims.sub ?? ''),
    AssumedRoleUser: { AssumedRoleId: `${result.principal.roleId}:${result.principal.sessionName}`, Arn: result.principal.arn },
    Provider: providerPath,
    Audience: String(aud),
    ...(result.packedPolicySize !== undefined ? { PackedPolicySize: result.packedPolicySize } : {}),
  };
}

export default {
  signingName: 'sts',
  protocol: 'query',
  globalHosts: ['sts.amazonaws.com'],
  xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  anonymousOperations: ['AssumeRoleWithWebIdentity'],
  operations: {
    GetCallerIdentity: (req) => ({ UserId: userId(req.caller), Account: req.caller.accountId, Arn: req.caller.arn }),

    AssumeRole: async (req, sc) => {
      const p = req.params;
      const result = await assumeRole(sc, {
        caller: req.caller,
        roleArn: p.RoleArn,
        sessionName: p.RoleSessionName,
        durationSeconds: num(p.DurationSeconds),
        externalId: p.ExternalId,
        tags: list<SessionTag>(p.Tags),
        transitiveTagKeys: list<string>(p.TransitiveTagKeys),
        policy: p.Policy,
        policyArns: list(p.PolicyArns),
        sourceIdentity: p.SourceIdentity,
        via: 'assume-role',
      });
      return {
        Credentials: credentialsXml(result.credentials),
        AssumedRoleUser: { AssumedRoleId: `${result.principal.roleId}:${result.principal.sessionName}`, Arn: result.principal.arn },
        ...(result.packedPolicySize !== undefined ? { PackedPolicySize: result.packedPolicySize } : {}),
        ...(result.principal.sourceIdentity ? { SourceIdentity: result.principal.sourceIdentity } : {}),
      };
    },

    AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
  },
} satisfies ServiceModule;

// The stand-in's authorisation: every decision comes from @cloud-copilot/iam-simulate (an evaluator
// independent of the product's analyzers — never import packages/core/src/analyze here), fed with the
// caller role's identity policies, its permissions boundary, the world's SCPs and RCPs, the resource policy
// and the request's context keys.
//
// World conventions (documented in WORLD.md terms):
// - organizations.scps: FullAWSAccess is taken as attached (as AWS attaches it by default) unless one of the
//   listed SCPs has an Allow statement, in which case the list is the allow-list. SCPs apply to the account's
//   IAM principals, never to service principals. RCPs likewise never apply to service principals.
import { getDenialReasons, runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { arnAccount, findRole, rolePolicies, roleTags } from './iamdata.ts';
import type { AuthorizeInput, Decision, Principal, WorldView } from './types.ts';

const FULL_AWS_ACCESS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

function hasAllow(doc: any): boolean {
  const st = doc?.Statement;
  return (Array.isArray(st) ? st : st ? [st] : []).some((s: any) => s?.Effect === 'Allow');
}

function policyTypeName(t: string): Decision['deniedBy'] extends Array<infer U> | undefined ? U : never {
  switch (t) {
    case 'identity': return 'identity';
    case 'resource': return 'resource';
    case 'pb': return 'boundary';
    case 'scp': return 'scp';
    case 'rcp': return 'rcp';
    default: return 'identity';
  }
}

/** Context keys AWS sets for every request by this caller. */
export function principalContext(world: WorldView, caller: Principal): Record<string, string | string[]> {
  const now = new Date();
  const ctx: Record<string, string | string[]> = {
    'aws:SecureTransport': 'true',
    'aws:CurrentTime': now.toISOString(),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    'aws:RequestedRegion': world.region,
  };
  if (caller.kind === 'service') {
    ctx['aws:PrincipalServiceName'] = caller.arn;
    ctx['aws:PrincipalIsAWSService'] = 'true';
    return ctx;
  }
  ctx['aws:PrincipalIsAWSService'] = 'false';
  ctx['aws:PrincipalAccount'] = caller.accountId;
  if (world.organizations?.organizationId) ctx['aws:PrincipalOrgID'] = String(world.organizations.organizationId);
  if (caller.kind === 'assumed-role') {
    ctx['aws:PrincipalArn'] = caller.roleArn;
    ctx['aws:PrincipalType'] = 'AssumedRole';
    ctx['aws:userid'] = `${caller.roleId}:${caller.sessionName}`;
    // Session tags win over the role's own tags with the same key.
    const tags = { ...roleTags(findRole(world, caller.roleArn)), ...caller.tags };
    for (const [k, v] of Object.entries(tags)) ctx[`aws:PrincipalTag/${k}`] = v;
    if (caller.sourceIdentity) ctx['aws:SourceIdentity'] = caller.sourceIdentity;
  } else {
    ctx['aws:PrincipalArn'] = caller.arn;
    ctx['aws:PrincipalType'] = 'User';
    ctx['aws:username'] = caller.arn.split('/').pop() ?? '';
  }
  return ctx;
}

export async function authorize(world: WorldView, input: AuthorizeInput): Promise<Decision> {
  const { caller, action, resource } = input;
  if (caller.kind === 'harness') return { allowed: true, result: 'Allowed', reason: 'harness key: always allowed' };

  const notes: string[] = [];
  let identityPolicies: Simulation['identityPolicies'] = [];
  let permissionBoundaryPolicies: Simulation['permissionBoundaryPolicies'];
  if (caller.kind === 'assumed-role') {
    const role = findRole(world, caller.roleArn);
    if (!role) notes.push(`role ${caller.roleArn} is not in the world: no identity policies`);
    else {
      const rp = rolePolicies(world, role);
      identityPolicies = rp.identity;
      if (rp.boundary) permissionBoundaryPolicies = [rp.boundary];
      for (const m of rp.missing) notes.push(`policy ${m} is not in the world's iam.Policies: ignored`);
    }
  }

  const inAccount = caller.kind !== 'service' && caller.accountId === world.account;
  const scps: any[] = inAccount ? (world.organizations?.scps ?? []) : [];
  const rcps: any[] = caller.kind !== 'service' ? (world.organizations?.rcps ?? []) : [];
  const scpDocs = scps.length === 0 ? [] : scps.some(hasAllow) ? scps : [FULL_AWS_ACCESS, ...scps];

  const contextVariables = { ...principalContext(world, caller), ...(input.context ?? {}) };
  const simulation: Simulation = {
    request: {
      principal: caller.arn,
      action,
      resource: { resource, accountId: input.resourceAccount ?? arnAccount(resource) ?? world.account },
      contextVariables,
    },
    identityPolicies,
    serviceControlPolicies: scpDocs.length
      ? [{ orgIdentifier: 'o-world', policies: scpDocs.map((p, i) => ({ name: i === 0 && p === FULL_AWS_ACCESS ? 'FullAWSAccess' : `scp-${i}`, policy: p })) }]
      : [],
    resourceControlPolicies: rcps.length
      ? [{ orgIdentifier: 'o-world', policies: rcps.map((p, i) => ({ name: `rcp-${i}`, policy: p })) }]
      : [],
    ...(input.resourcePolicy ? { resourcePolicy: input.resourcePolicy } : {}),
    ...(caller.sessionPolicy ? { sessionPolicy: caller.sessionPolicy } : {}),
    ...(permissionBoundaryPolicies ? { permissionBoundaryPolicies } : {}),
  };

  let response;
  try {
    response = await runSimulation(simulation, {});
  } catch (e) {
    return { allowed: false, result: 'Error', reason: `evaluator failed: ${(e as Error).message}`, deniedBy: ['invalid'] };
  }
  if (response.resultType === 'error') {
    return { allowed: false, result: 'Error', reason: `invalid policy input: ${response.errors.message}`, deniedBy: ['invalid'] };
  }
  const overall = response.overallResult;
  const analysis = response.resultType === 'single' ? response.result.analysis : response.results[0]?.analysis;
  const allowed = overall === 'Allowed';
  let deniedBy: Decision['deniedBy'];
  let explicit = false;
  let why = '';
  if (!allowed && analysis) {
    const reasons = getDenialReasons(analysis);
    deniedBy = [...new Set(reasons.map((r) => policyTypeName(r.policyType)))];
    explicit = reasons.some((r) => r.denialType === 'Explicit');
    why = reasons.map((r) => r.denialType === 'Explicit'
      ? `explicit deny in ${r.policyType}${r.policyIdentifier ? ` ${r.policyIdentifier}` : ''} statement ${r.statementId ?? '#' + r.statementIndex}`
      : `no allow in ${r.policyType}${'identifier' in r && r.identifier ? ` ${r.identifier}` : ''}`).join('; ');
  }
  const reason = `${caller.arn} ${action} ${resource}: ${overall}${why ? ` (${why})` : ''}${notes.length ? ` [${notes.join('; ')}]` : ''}`;
  return { allowed, result: overall, reason, deniedBy, explicit };
}

/** AccessDenied wording's tail the way AWS adds it to most services' messages. */
export function denialSuffix(action: string, decision?: Decision): string {
  if (!decision || decision.allowed) return '';
  const by = decision.deniedBy ?? [];
  if (decision.explicit) {
    if (by.includes('scp')) return ' with an explicit deny in a service control policy';
    if (by.includes('rcp')) return ' with an explicit deny in a resource control policy';
    if (by.includes('boundary')) return ' with an explicit deny in a permissions boundary';
    if (by.includes('resource')) return ' with an explicit deny in a resource-based policy';
    return ' with an explicit deny in an identity-based policy';
  }
  if (by.includes('scp')) return ` because no service control policy allows the ${action} action`;
  if (by.includes('rcp')) return ` because no resource control policy allows the ${action} action`;
  if (by.includes('boundary')) return ` because no permissions boundary allows the ${action} action`;
  if (by.includes('identity')) return ` because no identity-based policy allows the ${action} action`;
  if (by.includes('resource')) return ` because no resource-based policy allows the ${action} action`;
  return '';
}

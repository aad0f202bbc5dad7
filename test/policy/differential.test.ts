// The differential test: for thousands of generated trust + permission policies (fast-check, fixed seed), the
// analyzer's verdict on "may the role assume itself?", "…with its session tags?" and "may the platform assume it
// with ExternalId = organizationId?" must equal an independent evaluation by @cloud-copilot/iam-simulate (the
// stand-in's evaluator; AGPL, so only ever imported under test/). Both see the same request context; every
// disagreement that remains is explained in KNOWN_DIFFERENCES and asserted there, never silently skipped.
import t from 'tap';
import fc from 'fast-check';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { analyzeTrust, platformAllowed, platformRequest, selfRequest } from '../../packages/core/src/analyze/trust.ts';
import { analyzePermissions } from '../../packages/core/src/analyze/permissions.ts';
import type { PolicyContract } from '../../packages/core/src/analyze/policy-types.ts';

const ACCT = '111122223333';
const PLAT = '999988887777';
const ROLE = `arn:aws:iam::${ACCT}:role/ai-gateway`;
const contract: PolicyContract = {
  roleArn: ROLE,
  platformAccountId: PLAT,
  organizationId: 'org-7f3a9c',
  region: 'us-east-1',
  clusterName: 'prod',
  namespace: 'xpander',
  serviceAccount: 'ai-gateway',
  podName: 'ai-gateway-6d9f7-abcde',
  podUid: '1b2c3d4e-0000-4000-8000-000000000001',
  roleId: 'AROAQXG5EXAMPLEGW001',
  sessionTags: { 'gateway-doctor': 'probe' },
  secrets: [],
};

// ---- generators: the vocabulary the setup's documents are made of, and its classic mistakes
const trustPrincipal = fc.constantFrom<unknown>(
  { AWS: ROLE },
  { AWS: `arn:aws:iam::${ACCT}:root` },
  { AWS: ACCT },
  { AWS: `arn:aws:iam::${PLAT}:root` },
  { AWS: [`arn:aws:iam::${PLAT}:root`, ROLE] },
  { AWS: 'arn:aws:iam::444455556666:root' },
  { AWS: `arn:aws:iam::${ACCT}:role/other` },
  { AWS: '*' },
  '*',
  { Service: 'pods.eks.amazonaws.com' },
);
const stsActions = fc.constantFrom<unknown>('sts:AssumeRole', 'sts:TagSession', ['sts:AssumeRole', 'sts:TagSession'], 'sts:*', 'sts:Assume*', '*', ['sts:assumerole', 'STS:TagSession'], 'sts:AssumeRoleWithWebIdentity');
const trustCondition = fc.constantFrom<unknown>(
  undefined,
  undefined,
  undefined,
  { StringEquals: { 'sts:ExternalId': 'org-7f3a9c' } },
  { StringEquals: { 'sts:ExternalId': 'org-other' } },
  { StringEqualsIfExists: { 'sts:ExternalId': 'org-7f3a9c' } },
  { StringLike: { 'sts:ExternalId': 'org-*' } },
  { 'ForAllValues:StringEquals': { 'sts:ExternalId': ['org-7f3a9c'] } },
  { StringNotEquals: { 'sts:ExternalId': 'org-other' } },
  { Null: { 'sts:ExternalId': 'true' } },
  { Null: { 'sts:ExternalId': 'false' } },
  { ArnEquals: { 'aws:PrincipalArn': ROLE } },
  { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:role/ai-*` } },
  { StringEquals: { 'aws:PrincipalAccount': ACCT } },
  { StringEquals: { 'aws:PrincipalTag/kubernetes-namespace': 'xpander' } },
  { StringEquals: { 'aws:PrincipalTag/kubernetes-namespace': 'other' } },
  { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['kubernetes-namespace'] } },
  { 'ForAllValues:StringLike': { 'aws:TagKeys': ['kubernetes-*', 'eks-*'] } },
  { StringEquals: { 'aws:RequestTag/gateway-doctor': 'probe' } },
  { Bool: { 'aws:SecureTransport': 'true' } },
  { Bool: { 'aws:PrincipalIsAWSService': 'false' } },
  { StringNotEquals: { 'sts:ExternalId': 'org-7f3a9c' }, Bool: { 'aws:PrincipalIsAWSService': 'false' } },
);
const notActions = fc.constantFrom<unknown>('sts:AssumeRoleWithWebIdentity', 'sts:TagSession', ['sts:AssumeRoleWithSAML', 'sts:AssumeRoleWithWebIdentity'], 'iam:*');
const trustStatement = fc.oneof(
  { weight: 5, arbitrary: fc.record({ Effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny'), Principal: trustPrincipal, Action: stsActions, Condition: trustCondition }, { requiredKeys: ['Effect', 'Principal', 'Action'] }) },
  { weight: 1, arbitrary: fc.record({ Effect: fc.constantFrom('Allow', 'Deny'), Principal: trustPrincipal, NotAction: notActions, Condition: trustCondition }, { requiredKeys: ['Effect', 'Principal', 'NotAction'] }) },
);
const identityNotAction = fc.record(
  { Effect: fc.constantFrom('Allow', 'Deny'), NotAction: notActions, Resource: fc.constantFrom<unknown>(ROLE, '*') },
  { requiredKeys: ['Effect', 'NotAction', 'Resource'] },
);
const identityActionStatement = fc.record(
  {
    Effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny'),
    Action: fc.constantFrom<unknown>('sts:AssumeRole', 'sts:TagSession', ['sts:AssumeRole', 'sts:TagSession'], 'sts:*', '*', 'secretsmanager:GetSecretValue', ['iam:GetRole', 'sts:Tag*']),
    Resource: fc.constantFrom<unknown>(ROLE, '*', `arn:aws:iam::${ACCT}:role/*`, `arn:aws:iam::${ACCT}:role/other`, [ROLE, 'arn:aws:secretsmanager:*:*:secret:*']),
    Condition: fc.constantFrom<unknown>(undefined, undefined, undefined, { StringEquals: { 'aws:RequestTag/gateway-doctor': 'probe' } }, { StringEquals: { 'aws:PrincipalTag/kubernetes-namespace': 'other' } }, { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['gateway-doctor'] } }),
  },
  { requiredKeys: ['Effect', 'Action', 'Resource'] },
);
const identityStatement = fc.oneof({ weight: 6, arbitrary: identityActionStatement }, { weight: 1, arbitrary: identityNotAction });
const doc = (statements: Record<string, unknown>[]) => ({
  Version: '2012-10-17',
  Statement: statements.map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined))),
});
const setup = fc.record({
  trust: fc.array(trustStatement, { minLength: 1, maxLength: 4 }),
  identity: fc.array(identityStatement, { minLength: 0, maxLength: 3 }),
  boundary: fc.option(fc.array(identityStatement, { minLength: 1, maxLength: 2 }), { nil: undefined }),
});
type Setup = { trust: Record<string, unknown>[]; identity: Record<string, unknown>[]; boundary?: Record<string, unknown>[] };

// ---- the two verdicts
interface Verdict {
  selfAssume: boolean;
  selfWithTags: boolean;
  platform: boolean;
  /** the platform with no ExternalId, and with another one (the confused-deputy questions) */
  platformNoId: boolean;
  platformOtherId: boolean;
}

function analyzerVerdict(s: Setup): Verdict {
  const trust = analyzeTrust(doc(s.trust), contract);
  const perms = analyzePermissions(
    {
      identityPolicies: [{ kind: 'inline', name: 'gw', document: doc(s.identity) }],
      boundary: s.boundary ? { kind: 'boundary', name: 'b', document: doc(s.boundary) } : undefined,
      selfAdmission: trust.verdicts.selfAssume ? trust.selfAdmission : 'none',
      tagSessionAdmission: trust.verdicts.selfTagAdmission,
    },
    contract,
  );
  const blocks = (action: string) => perms.findings.some((f) => f.status === 'fail' && f.evidence.action === action);
  const selfAssume = trust.verdicts.selfAssume && !blocks('sts:AssumeRole');
  return {
    selfAssume,
    selfWithTags: selfAssume && trust.verdicts.selfTagSession && !blocks('sts:TagSession'),
    platform: trust.verdicts.platform,
    platformNoId: platformAllowed(doc(s.trust), contract, undefined),
    platformOtherId: platformAllowed(doc(s.trust), contract, 'org-other'),
  };
}

async function simulate(principal: string, action: string, context: Record<string, string | string[]>, s: Setup, caller: 'self' | 'platform'): Promise<boolean> {
  const simulation: Simulation = {
    request: { principal, action, resource: { resource: ROLE, accountId: ACCT }, contextVariables: { ...context, 'aws:SecureTransport': 'true', 'aws:PrincipalIsAWSService': 'false' } },
    identityPolicies: caller === 'self' ? [{ name: 'gw', policy: doc(s.identity) }] : [{ name: 'platform-admin', policy: doc([{ Effect: 'Allow', Action: '*', Resource: '*' }]) }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: doc(s.trust),
    ...(caller === 'self' && s.boundary ? { permissionBoundaryPolicies: [{ name: 'b', policy: doc(s.boundary) }] } : {}),
  };
  const r = await runSimulation(simulation, {});
  if (r.resultType === 'error') throw new Error(`iam-simulate rejected the input: ${JSON.stringify(r.errors)}`);
  return r.overallResult === 'Allowed';
}

async function oracleVerdict(s: Setup): Promise<Verdict> {
  const assume = selfRequest(contract, 'sts:AssumeRole');
  const tag = selfRequest(contract, 'sts:TagSession', true);
  const selfAssume = await simulate(assume.principal!.arn!, 'sts:AssumeRole', assume.context, s, 'self');
  const tagAllowed = await simulate(tag.principal!.arn!, 'sts:TagSession', tag.context, s, 'self');
  const platformWith = async (externalId: string | undefined) => {
    const plat = platformRequest(contract, externalId);
    return simulate(plat.principal!.arn!, 'sts:AssumeRole', plat.context, s, 'platform');
  };
  return { selfAssume, selfWithTags: selfAssume && tagAllowed, platform: await platformWith(contract.organizationId), platformNoId: await platformWith(undefined), platformOtherId: await platformWith('org-other') };
}

/**
 * Disagreements that remain, each explained. `matches` recognises the case; the test asserts each is seen with the
 * stated direction, so a fix on either side shows up as a failing expectation here.
 */
const conditionKeys = (statements: Record<string, unknown>[]) =>
  statements.flatMap((st) => Object.values((st.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap((block) => Object.keys(block).map((k) => k.toLowerCase())));
const KNOWN_DIFFERENCES: { why: string; matches: (s: Setup, ours: Verdict, oracle: Verdict) => boolean }[] = [
  {
    why:
      "The platform's own principal tags and request tags are unknown to gateway-doctor (it does not see the platform's " +
      'session): a condition on them is taken as met in an Allow and as not met in a Deny, so no failure is invented; ' +
      'iam-simulate is given a platform request without any tags (ForAllValues over the absent key holds). Only the ' +
      'platform verdicts may differ, and only where a statement conditions on those keys.',
    matches: (s, ours, oracle) =>
      ours.selfAssume === oracle.selfAssume &&
      ours.selfWithTags === oracle.selfWithTags &&
      (ours.platform !== oracle.platform || ours.platformNoId !== oracle.platformNoId || ours.platformOtherId !== oracle.platformOtherId) &&
      conditionKeys(s.trust).some((k) => k.startsWith('aws:principaltag/') || k.startsWith('aws:requesttag/') || k === 'aws:tagkeys'),
  },
];
const seen = new Map<string, number>();

const RUNS = Number(process.env.GD_DIFFERENTIAL_RUNS ?? 2000);
t.setTimeout(900_000); // also when run directly with node (the tap runner's .taprc allows as much)

t.test(`analyzer and iam-simulate agree on ${RUNS} generated setups`, { timeout: 600_000 }, async (t) => {
  const samples = fc.sample(setup, { seed: 20261203, numRuns: RUNS }) as Setup[];
  const disagreements: { s: Setup; ours: Verdict; oracle: Verdict }[] = [];
  let selfAllowed = 0;
  let tagsAllowed = 0;
  let platformAllowedCount = 0;
  let confusedDeputy = 0;
  for (const s of samples) {
    const ours = analyzerVerdict(s);
    const oracle = await oracleVerdict(s);
    if (oracle.selfAssume) selfAllowed++;
    if (oracle.selfWithTags) tagsAllowed++;
    if (oracle.platform) platformAllowedCount++;
    if (oracle.platformNoId) confusedDeputy++;
    if ((Object.keys(ours) as (keyof Verdict)[]).some((k) => ours[k] !== oracle[k])) {
      const known = KNOWN_DIFFERENCES.find((k) => k.matches(s, ours, oracle));
      if (known) seen.set(known.why, (seen.get(known.why) ?? 0) + 1);
      else disagreements.push({ s, ours, oracle });
    }
  }
  // the generator reaches both answers of every question (a test that only ever sees "denied" proves little)
  t.ok(selfAllowed > RUNS / 20 && selfAllowed < RUNS - RUNS / 20, `self-assume allowed in ${selfAllowed}/${RUNS}`);
  t.ok(tagsAllowed > RUNS / 50, `with tags allowed in ${tagsAllowed}/${RUNS}`);
  t.ok(platformAllowedCount > RUNS / 20 && platformAllowedCount < RUNS - RUNS / 20, `platform allowed in ${platformAllowedCount}/${RUNS}`);
  t.ok(confusedDeputy > RUNS / 50, `platform allowed without an ExternalId in ${confusedDeputy}/${RUNS}`);
  if (process.env.GD_DIFFERENTIAL_DUMP) for (const d of disagreements.slice(0, 8)) console.error(JSON.stringify({ ours: d.ours, oracle: d.oracle, trust: d.s.trust, identity: d.s.identity, boundary: d.s.boundary }));
  for (const k of KNOWN_DIFFERENCES) t.ok(seen.get(k.why), `explained difference seen ${seen.get(k.why) ?? 0} times: ${k.why}`);
  t.same(disagreements.slice(0, 5).map((d) => ({ setup: d.s, ours: d.ours, oracle: d.oracle })), [], `${disagreements.length} unexplained disagreements`);
});

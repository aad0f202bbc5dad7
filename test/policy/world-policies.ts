// Test helper: the policy analysis of a world's gateway role straight from the world's `iam` section (the same
// pure analyzers the live probes and `lint` call), and applying a finding's remedy back into the world — the
// remedy proofs replace the document with the remedy and analyse (and run) the world again.
import { analyzeTrust } from '../../packages/core/src/analyze/trust.ts';
import { analyzePermissions, type NamedPolicy } from '../../packages/core/src/analyze/permissions.ts';
import type { PolicyContract, PolicyFinding } from '../../packages/core/src/analyze/policy-types.ts';
import type { World } from '../world/types.ts';

type Json = Record<string, any>;

export function worldContract(world: World): PolicyContract {
  const g = world.gateway as Json;
  const role = gatewayRole(world);
  return {
    roleArn: g.roleArn,
    platformAccountId: g.platformAccountId,
    organizationId: g.organizationId,
    region: world.region,
    clusterName: g.clusterName,
    namespace: g.namespace ?? world.pod.namespace,
    serviceAccount: g.serviceAccount ?? world.pod.serviceAccount,
    podName: world.pod.name,
    podUid: world.pod.uid,
    sessionTags: g.sessionTags,
    secrets: g.secrets ?? [],
    roleId: role?.RoleId,
  };
}

export function gatewayRole(world: World): Json | undefined {
  const g = world.gateway as Json;
  return ((world.iam as Json | undefined)?.RoleDetailList ?? []).find((r: Json) => r.Arn === g.roleArn);
}

function managed(world: World, arn: string): Json | undefined {
  return ((world.iam as Json | undefined)?.Policies ?? []).find((p: Json) => p.Arn === arn);
}

function defaultDocument(policy: Json | undefined): { version: Json; document: unknown } | undefined {
  const versions: Json[] = policy?.PolicyVersionList ?? [];
  const version = versions.find((v) => v.VersionId === policy?.DefaultVersionId) ?? versions.find((v) => v.IsDefaultVersion) ?? versions[0];
  return version ? { version, document: version.Document } : undefined;
}

/** Trust and permission findings for the world's gateway role. */
export function analyzeWorld(world: World): PolicyFinding[] {
  const role = gatewayRole(world);
  if (!role) throw new Error(`world ${world.name}: the gateway role is not in iam.RoleDetailList`);
  const contract = worldContract(world);
  const trust = analyzeTrust(role.AssumeRolePolicyDocument, contract);
  const identity: NamedPolicy[] = [
    ...(role.RolePolicyList ?? []).map((p: Json) => ({ kind: 'inline' as const, name: p.PolicyName, document: p.PolicyDocument })),
    ...(role.AttachedManagedPolicies ?? []).flatMap((a: Json) => {
      const d = defaultDocument(managed(world, a.PolicyArn));
      return d ? [{ kind: 'managed' as const, name: a.PolicyName, arn: a.PolicyArn, document: d.document }] : [];
    }),
  ];
  const boundaryArn = role.PermissionsBoundary?.PermissionsBoundaryArn;
  const boundaryDoc = boundaryArn ? defaultDocument(managed(world, boundaryArn)) : undefined;
  const perms = analyzePermissions(
    {
      identityPolicies: identity,
      boundary: boundaryArn ? { kind: 'boundary', name: boundaryArn.split('/').pop()!, arn: boundaryArn, document: boundaryDoc?.document ?? { Version: '2012-10-17', Statement: [] } } : undefined,
      selfAdmission: trust.selfAdmission,
      tagSessionAdmission: trust.verdicts.selfTagAdmission,
    },
    contract,
  );
  return [...trust.findings, ...perms.findings];
}

/** A copy of the world with the finding's remedy applied to the document it names. */
export function applyRemedy(world: World, finding: PolicyFinding): World {
  const fixed = structuredClone(world);
  const role = gatewayRole(fixed)!;
  const policy = finding.remedy?.policy;
  if (!policy) throw new Error(`${finding.code}: the remedy carries no policy document`);
  const loc = finding.location;
  switch (loc?.kind) {
    case 'trust':
      role.AssumeRolePolicyDocument = policy;
      break;
    case 'boundary':
    case 'managed': {
      const d = defaultDocument(managed(fixed, loc.policyArn!));
      if (!d) throw new Error(`${finding.code}: policy ${loc.policyArn} not in the world`);
      d.version.Document = policy;
      break;
    }
    default: {
      const list: Json[] = (role.RolePolicyList ??= []);
      const name = loc?.policyName ?? 'gateway';
      const existing = list.find((p) => p.PolicyName === name);
      if (existing) existing.PolicyDocument = policy;
      else list.push({ PolicyName: name, PolicyDocument: policy });
    }
  }
  return fixed;
}

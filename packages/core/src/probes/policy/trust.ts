// policy.trust: reads the role's trust policy through IAM (GetRole) and checks it against the three-statement
// contract (DESIGN.md) with the pure analyzer in analyze/trust.ts — the same code path as `gateway-doctor lint`.
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { genericErrorFinding } from '../helpers.ts';
import { analyzeTrust } from '../../analyze/trust.ts';
import { toFinding } from '../../analyze/policy-types.ts';
import { contractFromConfig, lintAlternative, readRoleDocuments } from './read-role.ts';

export const meta = {
  id: 'policy.trust',
  title: "The role's trust policy meets the contract",
  area: 'policy',
  docs: 'docs/probes/policy.trust.md',
} satisfies ProbeMeta;

export async function run(ctx: ProbeContext): Promise<Finding | Finding[]> {
  const docs = await readRoleDocuments(ctx);
  if (!docs.role) {
    const err = docs.roleError;
    if (isAwsCallError(err) && err.info.kind === 'not-found') {
      return {
        code: 'ROLE_NOT_FOUND',
        summary: `IAM has no role named ${docs.roleName} (${err.info.awsCode ?? 'NoSuchEntity'}): the configured roleArn ${ctx.config.roleArn} is misspelt or the role was deleted`,
        evidence: { roleName: docs.roleName, awsCode: err.info.awsCode ?? 'NoSuchEntity' },
        remedy: { text: 'Create the role (see `gateway-doctor policy`) or fix roleArn in the config.', commands: [`aws iam get-role --role-name ${docs.roleName}`] },
      };
    }
    const generic = genericErrorFinding(err, ctx, { readDenied: { permissions: ['iam:GetRole'], alternative: lintAlternative(ctx) } });
    if (generic) return generic;
    throw err;
  }
  const analysis = analyzeTrust(docs.role.trustPolicy, contractFromConfig(ctx, docs.role.roleId));
  ctx.record({ roleName: docs.roleName, selfAdmission: analysis.selfAdmission, statements: countStatements(docs.role.trustPolicy) });
  if (analysis.findings.length === 0) {
    return {
      code: 'OK',
      summary: `The trust policy of ${docs.roleName} admits Pod Identity (sts:AssumeRole + sts:TagSession), the platform account ${ctx.config.platformAccountId} with ExternalId ${ctx.config.organizationId}, and the role itself by its ARN with tags`,
    };
  }
  return analysis.findings.map(toFinding);
}

function countStatements(text: string): number {
  try {
    const st = JSON.parse(text).Statement;
    return Array.isArray(st) ? st.length : st ? 1 : 0;
  } catch {
    return 0;
  }
}

// policy.permissions: reads the role's inline and attached managed policies and its permissions boundary through
// IAM, and checks what the gateway needs: sts:AssumeRole and sts:TagSession on itself (fail only where the trust
// admits the role through the account root), secretsmanager:GetSecretValue on each configured secret, kms:Decrypt
// where a secret is under a customer managed key (best effort: DescribeSecret, DescribeKey, GetKeyPolicy).
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { genericErrorFinding } from '../helpers.ts';
import { analyzeTrust } from '../../analyze/trust.ts';
import { analyzeKmsDecrypt, analyzePermissions, type NamedPolicy } from '../../analyze/permissions.ts';
import { toFinding, type PolicyFinding } from '../../analyze/policy-types.ts';
import { roleNameOfArn } from '../../analyze/iam.ts';
import { contractFromConfig, lintAlternative, readRoleDocuments } from './read-role.ts';

export const meta = {
  id: 'policy.permissions',
  title: "The role's permission policies grant what the gateway does",
  area: 'policy',
  docs: 'docs/probes/policy.permissions.md',
} satisfies ProbeMeta;

export async function run(ctx: ProbeContext): Promise<Finding | Finding[]> {
  const started = Date.now();
  const docs = await readRoleDocuments(ctx);
  const denied: string[] = [];
  let firstError: unknown;
  for (const part of [docs.inlineError, docs.attachedError, docs.boundaryError]) {
    if (!part) continue;
    firstError ??= part.error;
    if (isAwsCallError(part.error) && part.error.info.kind === 'denied') denied.push(...part.permission.split(', '));
  }
  if (firstError) {
    const generic = genericErrorFinding(firstError, ctx, { readDenied: { permissions: [...new Set(denied.length ? denied : ['iam:ListRolePolicies'])], alternative: lintAlternative(ctx) } });
    if (generic) return generic;
    throw firstError;
  }
  const contract = contractFromConfig(ctx, docs.role?.roleId);
  const trust = docs.role ? analyzeTrust(docs.role.trustPolicy, contract) : undefined;
  const selfAdmission = trust?.selfAdmission ?? 'unknown';
  const identityPolicies: NamedPolicy[] = [...(docs.inline ?? []), ...(docs.attached ?? [])];
  const analysis = analyzePermissions({ identityPolicies, boundary: docs.boundary, selfAdmission, tagSessionAdmission: trust?.verdicts.selfTagAdmission }, contract);
  const findings: PolicyFinding[] = [...analysis.findings];
  for (const u of analysis.unreadable) {
    ctx.record({ [`unreadable:${u.policy.name}`]: u.message });
  }
  // The KMS reads are a best-effort extra (secrets.read sees the live answer): bounded so they never cost the outcome.
  const kmsFindings: PolicyFinding[] = [];
  const budget = Math.min(2000, ctx.config.options.probeTimeoutMs - (Date.now() - started) - 1000);
  let timer: NodeJS.Timeout | undefined;
  const kmsNotes = budget <= 0 || ctx.config.secrets.length === 0 ? { kms: 'not checked: no time left in the probe deadline' } : await Promise.race([
    checkKms(ctx, identityPolicies, contract.roleId, kmsFindings),
    new Promise<Record<string, string>>((resolve) => {
      timer = setTimeout(() => resolve({ kms: `not checked: the key reads did not finish within ${budget} ms` }), budget);
    }),
  ]);
  clearTimeout(timer);
  findings.push(...kmsFindings);
  ctx.record({
    roleName: docs.roleName,
    selfAdmission,
    inlinePolicies: (docs.inline ?? []).map((p) => p.name),
    attachedPolicies: (docs.attached ?? []).map((p) => p.arn ?? p.name),
    boundary: docs.boundary?.arn ?? null,
    ...kmsNotes,
  });
  if (findings.length === 0) {
    return {
      code: 'OK',
      summary: `The policies of ${docs.roleName} grant sts:AssumeRole and sts:TagSession on itself and secretsmanager:GetSecretValue on ${ctx.config.secrets.length} configured secret(s)${docs.boundary ? `, within the boundary ${docs.boundary.name}` : ''}`,
    };
  }
  return findings.map(toFinding);
}

/** kms:Decrypt for secrets under a customer managed key; reads that fail only leave a note (secrets.read is live). */
async function checkKms(ctx: ProbeContext, identity: NamedPolicy[], roleId: string | undefined, findings: PolicyFinding[]): Promise<Record<string, string>> {
  const notes: Record<string, string> = {};
  for (const secretArn of ctx.config.secrets) {
    const region = secretArn.split(':')[3] || ctx.config.region;
    try {
      const secret = await ctx.aws.call('secretsmanager', 'DescribeSecret', { SecretId: secretArn }, { region });
      const keyId: string | undefined = secret.KmsKeyId;
      if (!keyId || keyId === 'alias/aws/secretsmanager') continue; // the AWS managed key: usable through Secrets Manager
      const { KeyMetadata } = await ctx.aws.call('kms', 'DescribeKey', { KeyId: keyId }, { region });
      if (KeyMetadata?.KeyManager === 'AWS') continue;
      const keyArn: string = KeyMetadata?.Arn ?? keyId;
      const { Policy } = await ctx.aws.call('kms', 'GetKeyPolicy', { KeyId: keyArn, PolicyName: 'default' }, { region });
      const verdict = analyzeKmsDecrypt(Policy, identity.map((p) => p.document), ctx.config.roleArn, keyArn, { region, secretArn, roleId });
      notes[`kms:${secretArn}`] = verdict.explains.join('; ');
      if (verdict.allowed || verdict.code !== 'PERMISSION_KMS_DECRYPT_MISSING') continue;
      findings.push({
        code: 'PERMISSION_KMS_DECRYPT_MISSING',
        status: 'fail',
        subject: secretArn,
        summary: verdict.missing === 'key-policy'
          ? `The key policy of ${keyArn}, which encrypts ${secretArn}, neither grants ${ctx.config.roleArn} kms:Decrypt nor delegates to IAM`
          : `The key policy of ${keyArn} delegates to IAM, but no policy of ${roleNameOfArn(ctx.config.roleArn)} grants kms:Decrypt on it (needed to read ${secretArn})`,
        location: verdict.missing === 'key-policy' ? { kind: 'key', policyArn: keyArn, pointer: '/Statement' } : { kind: 'inline', pointer: '/Statement' },
        key: 'Action',
        expected: 'kms:Decrypt',
        actual: 'not granted',
        evidence: { keyArn, secret: secretArn, missing: verdict.missing ?? '' },
        remedy: { text: verdict.remedy?.text ?? 'Grant kms:Decrypt on the key.', policy: verdict.remedy?.policy },
      });
    } catch (err) {
      notes[`kms:${secretArn}`] = `not checked: ${isAwsCallError(err) ? `${err.info.service}:${err.info.operation} ${err.info.awsCode ?? err.info.kind}` : 'read failed'}`;
    }
  }
  return notes;
}

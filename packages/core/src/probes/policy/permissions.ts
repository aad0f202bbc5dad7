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
  // The key reads do not depend on the role's documents: start them at once, beside the IAM reads.
  const keyReads = readKeys(ctx);
  keyReads.catch(() => {});
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
  // The key reads ran beside the IAM reads and are bounded by the probe's own deadline: wait for them rather than
  // concluding early, so a slow read is never mistaken for a granted kms:Decrypt (it ends PROBE_TIMEOUT instead).
  const keys = ctx.config.secrets.length === 0 ? { keys: [], notes: {} } : await keyReads;
  const analysis = analyzePermissions({ identityPolicies, boundary: docs.boundary, selfAdmission, tagSessionAdmission: trust?.verdicts.selfTagAdmission }, { ...contract, ...(keys.tags ? { secretTags: keys.tags } : {}) });
  const findings: PolicyFinding[] = [...analysis.findings];
  for (const u of analysis.unreadable) {
    ctx.record({ [`unreadable:${u.policy.name}`]: u.message });
  }
  const kmsNotes = checkKms(ctx, keys, identityPolicies, contract.roleId, findings);
  ctx.record({
    roleName: docs.roleName,
    selfAdmission,
    inlinePolicies: (docs.inline ?? []).map((p) => p.name),
    attachedPolicies: (docs.attached ?? []).map((p) => p.arn ?? p.name),
    boundary: docs.boundary?.arn ?? null,
    ...kmsNotes,
  });
  if (findings.length === 0) {
    // A key that could not be read is said in the summary, not only in evidence: that part was not decided here.
    const unchecked = Object.entries(keys.notes).filter(([, note]) => note.startsWith('not checked'));
    return {
      code: 'OK',
      summary:
        `The policies of ${docs.roleName} grant sts:AssumeRole and sts:TagSession on itself and secretsmanager:GetSecretValue on ${ctx.config.secrets.length} configured secret(s)${docs.boundary ? `, within the boundary ${docs.boundary.name}` : ''}` +
        (unchecked.length ? `; kms:Decrypt not checked for ${unchecked.length} secret(s) (${unchecked.map(([, note]) => note.replace(/^not checked: /, '')).join('; ')}) — secrets.read shows the live answer` : ''),
    };
  }
  return findings.map(toFinding);
}

interface KeyReads {
  keys: { secretArn: string; keyArn: string; policy: unknown; region: string }[];
  notes: Record<string, string>;
  /** each configured secret's tags (DescribeSecret), where read */
  tags?: Record<string, Record<string, string>>;
}

/** For each secret under a customer managed key: the key's ARN and policy (DescribeSecret, DescribeKey, GetKeyPolicy). */
async function readKeys(ctx: ProbeContext): Promise<KeyReads> {
  const out: KeyReads = { keys: [], notes: {}, tags: {} };
  await Promise.all(
    ctx.config.secrets.map(async (secretArn) => {
      const region = secretArn.split(':')[3] || ctx.config.region;
      try {
        const secret = await ctx.aws.call('secretsmanager', 'DescribeSecret', { SecretId: secretArn }, { region });
        out.tags![secretArn] = Object.fromEntries(((secret.Tags ?? []) as { Key?: string; Value?: string }[]).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));
        const keyId: string | undefined = secret.KmsKeyId;
        if (!keyId || keyId === 'alias/aws/secretsmanager') return; // the AWS managed key: usable through Secrets Manager
        const { KeyMetadata } = await ctx.aws.call('kms', 'DescribeKey', { KeyId: keyId }, { region });
        if (KeyMetadata?.KeyManager === 'AWS') return;
        const keyArn: string = KeyMetadata?.Arn ?? keyId;
        const { Policy } = await ctx.aws.call('kms', 'GetKeyPolicy', { KeyId: keyArn, PolicyName: 'default' }, { region });
        out.keys.push({ secretArn, keyArn, policy: Policy, region });
      } catch (err) {
        out.notes[`kms:${secretArn}`] = `not checked: ${isAwsCallError(err) ? `${err.info.service}:${err.info.operation} ${err.info.awsCode ?? err.info.kind}` : 'read failed'}`;
      }
    }),
  );
  return out;
}

/** kms:Decrypt for secrets under a customer managed key, from the key policies read. */
function checkKms(ctx: ProbeContext, reads: KeyReads, identity: NamedPolicy[], roleId: string | undefined, findings: PolicyFinding[]): Record<string, string> {
  const notes: Record<string, string> = { ...reads.notes };
  for (const { secretArn, keyArn, policy, region } of reads.keys) {
    const verdict = analyzeKmsDecrypt(policy, identity.map((p) => p.document), ctx.config.roleArn, keyArn, { region, secretArn, roleId });
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
  }
  return notes;
}

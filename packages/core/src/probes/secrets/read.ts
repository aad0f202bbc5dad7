// secrets.read: the gateway's own credentials read each configured secret with GetSecretValue, in the ARN's
// own region. The value is registered with the redactor the instant it arrives and dropped; only its size and
// shape become evidence. A denial is told apart: IAM / resource policy, KMS (which policy lacks the grant),
// missing secret, secret marked for deletion, endpoint unreachable.
import type { Evidence, Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { registerSecret } from '../../redact.ts';
import { genericErrorFinding } from '../helpers.ts';
import {
  classifySecretError,
  deniedBy,
  describeSecretValue,
  parseSecretArn,
  secretFragments,
  suffixPattern,
  type SecretArn,
} from './classify.ts';
import { checkKeyPolicyDecrypt, type KeyPolicyCheck } from './kms-policy.ts';

export const meta = {
  id: 'secrets.read',
  title: 'Each connector secret is readable by the gateway role',
  area: 'secrets',
  needs: ['identity.caller'],
  after: ['policy.permissions', 'network.dns', 'network.egress'],
  podOnly: true,
  docs: 'docs/probes/secrets.read.md',
  subjects: (config) => config.secrets.map((subject) => ({ subject })),
} satisfies ProbeMeta;

/** Codes of policy.permissions that explain a denied read of this secret. */
const PERMISSION_CAUSES = [
  'PERMISSION_SECRETS_MISSING',
  'PERMISSION_KMS_DECRYPT_MISSING',
  'PERMISSION_EXPLICIT_DENY',
  'PERMISSION_BOUNDARY_BLOCKS',
];

export async function run(ctx: ProbeContext): Promise<Finding> {
  const configured = ctx.subject ?? '';
  const arn = parseSecretArn(configured);
  const region = arn?.region ?? ctx.config.region;
  ctx.record({ secretArn: configured, region });
  try {
    const out = await ctx.aws.call('secretsmanager', 'GetSecretValue', { SecretId: configured }, { region });
    // Register first, then describe: nothing of the value may outlive this block.
    for (const fragment of secretFragments(out)) registerSecret(fragment);
    const shape = describeSecretValue(out);
    const evidence: Evidence = {
      ...shape,
      versionId: out.VersionId ?? null,
      versionStages: Array.isArray(out.VersionStages) ? out.VersionStages : [],
      resolvedArn: out.ARN ?? null,
    };
    const kmsKeyId = await describeKmsKeyId(ctx, configured, region);
    if (kmsKeyId !== undefined) evidence.kmsKeyId = kmsKeyId;
    return {
      code: 'OK',
      summary: `read ${out.Name ?? configured}: ${shape.byteLength} bytes${
        shape.jsonKeyCount !== undefined ? `, JSON with ${shape.jsonKeyCount} key${shape.jsonKeyCount === 1 ? '' : 's'}` : ''
      } (version ${out.VersionId ?? 'unknown'}); the value itself is never shown`,
      evidence,
    };
  } catch (err) {
    if (!isAwsCallError(err)) throw err;
    const info = err.info;
    ctx.record({ awsCode: info.awsCode ?? null, httpStatus: info.httpStatus ?? null, requestId: info.requestId ?? null, awsMessage: info.message });
    switch (classifySecretError(info)) {
      case 'unreachable':
        return {
          code: 'AWS_ENDPOINT_UNREACHABLE',
          summary: `Secrets Manager's endpoint in ${region} cannot be reached from this pod (${info.message})`,
          causes: ctx.results.failureCodes(['network.egress', 'network.dns'], 'secretsmanager'),
          remedy: {
            text:
              'Give the pod a path to Secrets Manager: a NAT gateway route from its subnets, or an interface VPC endpoint ' +
              `com.amazonaws.${region}.secretsmanager with private DNS, whose security group admits 443 from the pod.`,
            commands: [`gateway-doctor run --only network.dns,network.egress`],
          },
        };
      case 'not-found':
        return notFound(ctx, configured, arn);
      case 'scheduled-for-deletion':
        return await scheduledForDeletion(ctx, configured, region);
      case 'kms-denied':
      case 'decryption-failure':
        return await kmsDenied(ctx, configured, arn, region, classifySecretError(info) === 'decryption-failure');
      case 'access-denied':
        return accessDenied(ctx, configured, arn, info.message);
      default: {
        const generic = genericErrorFinding(err, ctx);
        if (generic) return generic;
        throw err;
      }
    }
  }
}

function roleName(roleArn: string): string {
  return roleArn.split('/').pop() ?? roleArn;
}

function permissionCauses(ctx: ProbeContext, secret: string): string[] {
  const found = new Set<string>();
  for (const o of ctx.results.get('policy.permissions')) {
    if (o.subject !== undefined && o.subject !== secret) continue;
    for (const code of [o.code, ...(o.causes ?? [])]) if (PERMISSION_CAUSES.includes(code)) found.add(code);
  }
  return [...found];
}

function accessDenied(ctx: ProbeContext, configured: string, arn: SecretArn | undefined, message: string): Finding {
  const by = deniedBy(message);
  const causes = permissionCauses(ctx, configured);
  const resource = arn ? suffixPattern(arn) : configured;
  const role = roleName(ctx.config.roleArn);
  const statement = {
    Sid: 'ReadGatewaySecrets',
    Effect: 'Allow',
    Action: 'secretsmanager:GetSecretValue',
    Resource: resource,
  };
  const byResourcePolicy = by === 'resource-policy' || by === 'resource-policy-deny';
  const remedy = byResourcePolicy
    ? {
        text: `The secret's resource policy refuses the role. Read it, and remove the statement that denies ${ctx.config.roleArn} (or add one allowing it).`,
        commands: [
          `aws secretsmanager get-resource-policy --secret-id ${configured} --region ${arn?.region ?? ctx.config.region}`,
          `aws secretsmanager put-resource-policy --secret-id ${configured} --region ${arn?.region ?? ctx.config.region} --resource-policy file://secret-policy.json`,
        ],
      }
    : {
        text:
          `Allow the role to read this secret. An IAM Resource must match the secret's full ARN, which ends in a ` +
          `6-character suffix AWS adds: name it as ${resource} (the -?????? matches exactly that suffix).`,
        commands: [
          `aws iam put-role-policy --role-name ${role} --policy-name gateway-secrets --policy-document file://gateway-secrets.json`,
        ],
        policy: { Version: '2012-10-17', Statement: [statement] },
      };
  return {
    code: 'SECRET_ACCESS_DENIED',
    summary: `GetSecretValue on ${configured} is denied (${describeDeniedBy(by)})`,
    causes,
    evidence: { deniedBy: by, suggestedResource: resource },
    remedy,
  };
}

function describeDeniedBy(by: ReturnType<typeof deniedBy>): string {
  switch (by) {
    case 'identity-policy':
      return "no identity-based policy of the role allows secretsmanager:GetSecretValue on it";
    case 'identity-policy-deny':
      return 'an explicit deny in an identity-based policy';
    case 'resource-policy':
      return "the secret's resource policy does not allow the role";
    case 'resource-policy-deny':
      return "an explicit deny in the secret's resource policy";
    case 'permissions-boundary':
      return "the role's permissions boundary";
    case 'scp':
      return 'a service control policy';
    case 'rcp':
      return 'a resource control policy';
    default:
      return 'IAM or the resource policy';
  }
}

function notFound(ctx: ProbeContext, configured: string, arn: SecretArn | undefined): Finding {
  const otherRegion = arn && arn.region !== ctx.config.region;
  return {
    code: 'SECRET_NOT_FOUND',
    summary: `Secrets Manager in ${arn?.region ?? ctx.config.region} has no secret ${configured}${
      otherRegion ? ` (the ARN names ${arn.region}; the gateway runs in ${ctx.config.region})` : ''
    }`,
    evidence: { arnRegion: arn?.region ?? null, configRegion: ctx.config.region, name: arn?.name ?? null },
    remedy: {
      text:
        'Check the name and the region in the configured ARN against the secret itself (names are case-sensitive; ' +
        'the ARN must carry the region the secret lives in), then fix the gateway config.',
      commands: [
        `aws secretsmanager list-secrets --region ${arn?.region ?? ctx.config.region} --filters Key=name,Values=${arn?.name.split('/')[0] ?? ''} --query 'SecretList[].ARN'`,
        ...(otherRegion ? [`aws secretsmanager list-secrets --region ${ctx.config.region} --query 'SecretList[].ARN'`] : []),
      ],
    },
  };
}

async function describeSecret(ctx: ProbeContext, secretId: string, region: string): Promise<Record<string, any> | undefined> {
  try {
    return await ctx.aws.call('secretsmanager', 'DescribeSecret', { SecretId: secretId }, { region });
  } catch (err) {
    if (!isAwsCallError(err)) throw err;
    ctx.record({ describeSecret: `${err.info.awsCode ?? err.info.kind}` });
    return undefined;
  }
}

async function describeKmsKeyId(ctx: ProbeContext, secretId: string, region: string): Promise<string | undefined> {
  const d = await describeSecret(ctx, secretId, region);
  if (!d) return undefined;
  // DescribeSecret omits KmsKeyId for the AWS managed key.
  return typeof d.KmsKeyId === 'string' ? d.KmsKeyId : 'alias/aws/secretsmanager';
}

async function scheduledForDeletion(ctx: ProbeContext, configured: string, region: string): Promise<Finding> {
  const d = await describeSecret(ctx, configured, region);
  const deletedDate = d?.DeletedDate instanceof Date ? d.DeletedDate.toISOString() : d?.DeletedDate ?? null;
  return {
    code: 'SECRET_SCHEDULED_FOR_DELETION',
    summary: `${configured} is marked for deletion${deletedDate ? ` (deleted on ${deletedDate} unless restored)` : ''}: it cannot be read`,
    evidence: { deletedDate: deletedDate === null ? null : String(deletedDate) },
    remedy: {
      text: 'Restore the secret (possible until its deletion date), or point the gateway at its replacement.',
      commands: [`aws secretsmanager restore-secret --secret-id ${configured} --region ${region}`],
    },
  };
}

async function kmsDenied(
  ctx: ProbeContext,
  configured: string,
  arn: SecretArn | undefined,
  region: string,
  decryptionFailure: boolean,
): Promise<Finding> {
  const causes = new Set(permissionCauses(ctx, configured).filter((c) => c === 'PERMISSION_KMS_DECRYPT_MISSING' || c === 'PERMISSION_EXPLICIT_DENY'));
  const d = await describeSecret(ctx, configured, region);
  const keyRef: string | undefined = d ? (typeof d.KmsKeyId === 'string' ? d.KmsKeyId : 'alias/aws/secretsmanager') : undefined;
  let keyArn: string | undefined;
  let keyManager: string | undefined;
  let keyState: string | undefined;
  let check: KeyPolicyCheck = { verdict: 'unreadable', explains: 'the key is not known: secretsmanager:DescribeSecret is not permitted' };
  if (keyRef) {
    try {
      const k = await ctx.aws.call('kms', 'DescribeKey', { KeyId: keyRef }, { region });
      keyArn = k.KeyMetadata?.Arn;
      keyManager = k.KeyMetadata?.KeyManager;
      keyState = k.KeyMetadata?.KeyState;
    } catch (err) {
      if (!isAwsCallError(err)) throw err;
      ctx.record({ describeKey: err.info.awsCode ?? err.info.kind });
    }
    try {
      const p = await ctx.aws.call('kms', 'GetKeyPolicy', { KeyId: keyArn ?? keyRef, PolicyName: 'default' }, { region });
      check = checkKeyPolicyDecrypt(p.Policy, {
        roleArn: ctx.config.roleArn,
        accountId: ctx.config.roleArn.split(':')[4] ?? '',
        region,
        secretArn: d?.ARN,
      });
    } catch (err) {
      if (!isAwsCallError(err)) throw err;
      ctx.record({ getKeyPolicy: err.info.awsCode ?? err.info.kind });
      check = { verdict: 'unreadable', explains: 'the key policy could not be read (kms:GetKeyPolicy is not permitted)' };
    }
  }
  const key = keyArn ?? keyRef ?? 'the key the secret is encrypted with';
  const role = roleName(ctx.config.roleArn);
  let missingIn: 'role-policy' | 'key-policy' | 'key-state' | 'unknown' = 'unknown';
  if (keyState && keyState !== 'Enabled') missingIn = 'key-state';
  else if (check.verdict === 'delegates-to-iam') missingIn = 'role-policy';
  else if (check.verdict === 'no-grant' || check.verdict === 'denies') missingIn = 'key-policy';
  else if (check.verdict === 'grants-role') missingIn = 'role-policy';
  // Our own analysis establishes the same root cause policy.permissions names: no grant of kms:Decrypt that counts.
  if (check.verdict === 'delegates-to-iam' || check.verdict === 'no-grant') causes.add('PERMISSION_KMS_DECRYPT_MISSING');

  const viaService = `secretsmanager.${region}.amazonaws.com`;
  const roleStatement = {
    Sid: 'DecryptGatewaySecrets',
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: keyArn ?? key,
    Condition: { StringEquals: { 'kms:ViaService': viaService } },
  };
  const keyStatement = {
    Sid: 'AllowGatewayDecryptViaSecretsManager',
    Effect: 'Allow',
    Principal: { AWS: ctx.config.roleArn },
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { StringEquals: { 'kms:ViaService': viaService } },
  };
  const summaryWhere = {
    'role-policy':
      check.verdict === 'grants-role'
        ? `the key policy allows the role (${check.statement}), so the role's side blocks it (an explicit deny or its permissions boundary)`
        : `the key policy delegates to IAM (${check.statement}) and the role's policy does not allow kms:Decrypt on the key`,
    'key-policy':
      check.verdict === 'denies' ? `the key policy denies it (${check.statement})` : 'the key policy does not admit the role for kms:Decrypt',
    'key-state': `the key is ${keyState}`,
    unknown: `${check.explains}; either the role's policy lacks kms:Decrypt on the key or the key policy does not admit the role`,
  }[missingIn];
  const remedy =
    missingIn === 'key-state'
      ? { text: `The key is ${keyState}. Enable it (or cancel its deletion) so Secrets Manager can decrypt.`, commands: [`aws kms enable-key --key-id ${key} --region ${region}`] }
      : missingIn === 'key-policy'
        ? {
            text: `Add a statement to the key policy of ${key} allowing the role kms:Decrypt through Secrets Manager.`,
            commands: [
              `aws kms get-key-policy --key-id ${key} --policy-name default --region ${region} --output text > key-policy.json`,
              `aws kms put-key-policy --key-id ${key} --policy-name default --region ${region} --policy file://key-policy.json`,
            ],
            policy: keyStatement,
          }
        : {
            text:
              missingIn === 'role-policy'
                ? `Allow kms:Decrypt on ${key} in the role's policy (through Secrets Manager only).`
                : `Allow kms:Decrypt on ${key} in the role's policy; if the key policy does not delegate to IAM (no arn:aws:iam::<account>:root statement), also add to the key policy a statement allowing Principal {"AWS": "${ctx.config.roleArn}"} kms:Decrypt with kms:ViaService = ${viaService}.`,
            commands: [
              `aws iam put-role-policy --role-name ${role} --policy-name gateway-secrets-kms --policy-document file://gateway-secrets-kms.json`,
            ],
            policy: { Version: '2012-10-17', Statement: [roleStatement] },
          };
  return {
    code: 'SECRET_KMS_DENIED',
    summary: `${decryptionFailure ? 'Secrets Manager could not decrypt' : 'Access to KMS is not allowed for'} ${configured} with key ${key}: ${summaryWhere}`,
    causes: [...causes],
    evidence: {
      kmsKeyId: keyRef ?? null,
      kmsKeyArn: keyArn ?? null,
      keyManager: keyManager ?? null,
      keyState: keyState ?? null,
      keyPolicyVerdict: check.verdict,
      keyPolicyExplains: check.explains,
      missingGrantIn: missingIn,
      ...(arn ? { secretName: arn.name } : {}),
    },
    remedy,
  };
}

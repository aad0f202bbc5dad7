// Stand-in Secrets Manager (JSON 1.1, prefix `secretsmanager`): GetSecretValue, DescribeSecret and
// GetResourcePolicy over the world's `secretsManager.secrets`. Decisions as AWS makes them, in AWS's order:
// authorisation of the requested secret (identity policies + the secret's resource policy), then existence,
// then deletion state, then — for GetSecretValue — kms:Decrypt on the secret's key on the caller's behalf
// (via Secrets Manager, so kms:ViaService holds). Errors with AWS's codes and words.
import { createHash } from 'node:crypto';
import { AwsFault, type Principal, type ServiceModule, type StandinContext, type WorldView } from '../types.ts';
import { AWS_MANAGED_SECRETS_ALIAS, findKey, keyPolicyOf, keyState } from './kms.ts';

export interface WorldSecret {
  ARN: string;
  Name: string;
  SecretString?: string;
  SecretBinary?: string;
  VersionId?: string;
  KmsKeyId?: string;
  ResourcePolicy?: unknown;
  DeletedDate?: string | null;
  Description?: string;
  CreatedDate?: string;
  LastChangedDate?: string;
  RotationEnabled?: boolean;
  Tags?: Array<{ Key: string; Value: string }>;
}

export const MESSAGES = {
  notFound: "Secrets Manager can't find the specified secret.",
  markedForDeletion: "You can't perform this operation on the secret because it was marked for deletion.",
  kmsDenied: 'Access to KMS is not allowed',
  decryptionFailure: "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
};

const SUFFIX = /-[A-Za-z0-9]{6}$/;

function secretsOf(world: WorldView): WorldSecret[] {
  return (world.secretsManager?.secrets ?? []) as WorldSecret[];
}

function region(arn: string): string | undefined {
  return arn.split(':')[3];
}

/**
 * Resolve a SecretId the way the API does: the full ARN; a partial ARN (without the 6-character suffix); or the
 * name. Only secrets in the request's region are visible.
 */
export function findSecret(world: WorldView, secretId: string, inRegion: string): WorldSecret | undefined {
  const candidates = secretsOf(world).filter((s) => region(s.ARN) === inRegion);
  if (secretId.startsWith('arn:')) {
    return candidates.find((s) => s.ARN === secretId) ?? candidates.find((s) => SUFFIX.test(s.ARN) && s.ARN.slice(0, -7) === secretId);
  }
  return candidates.find((s) => s.Name === secretId);
}

export function versionIdOf(s: WorldSecret): string {
  if (s.VersionId) return s.VersionId;
  const h = createHash('sha256').update(`version:${s.ARN}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function requestedResource(world: WorldView, secretId: string, inRegion: string, found?: WorldSecret): string {
  if (found) return found.ARN;
  if (secretId.startsWith('arn:')) return secretId;
  return `arn:aws:secretsmanager:${inRegion}:${world.account}:secret:${secretId}`;
}

/** Authorise, then resolve: a denied caller learns nothing about whether the secret exists. */
async function authorizedSecret(
  sc: StandinContext,
  caller: Principal,
  action: string,
  secretId: string,
  inRegion: string,
): Promise<WorldSecret> {
  if (!secretId) throw new AwsFault('InvalidParameterException', 'You must provide a SecretId.', 400);
  const found = findSecret(sc.world, secretId, inRegion);
  const resource = requestedResource(sc.world, secretId, inRegion, found);
  // Secrets Manager puts the secret's tags in the request context as aws:ResourceTag/* (the evaluator knows no
  // secretsmanager:ResourceTag/* key): https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access-abac.html
  const context: Record<string, string> = {};
  for (const t of found?.Tags ?? []) context[`aws:ResourceTag/${t.Key}`] = t.Value;
  const decision = await sc.authorize({ caller, action, resource, resourcePolicy: found?.ResourcePolicy, context });
  if (!decision.allowed) sc.deny(caller, action, secretId, decision);
  if (!found) throw new AwsFault('ResourceNotFoundException', MESSAGES.notFound, 400);
  return found;
}

function isDeleted(s: WorldSecret): boolean {
  return s.DeletedDate !== undefined && s.DeletedDate !== null && s.DeletedDate !== '';
}

function date(text: string | undefined, fallback: string): Date {
  const d = new Date(text ?? fallback);
  return Number.isNaN(d.getTime()) ? new Date(fallback) : d;
}

export const secretsManagerModule: ServiceModule = {
  signingName: 'secretsmanager',
  protocol: 'json',
  errorMessageKey: 'Message',
  operations: {
    GetSecretValue: async (req, sc) => {
      const secretId = String(req.params.SecretId ?? '');
      const secret = await authorizedSecret(sc, req.caller, 'secretsmanager:GetSecretValue', secretId, req.region);
      if (isDeleted(secret)) throw new AwsFault('InvalidRequestException', MESSAGES.markedForDeletion, 400);
      // Secrets Manager decrypts with the secret's key on the caller's behalf.
      const keyRef = secret.KmsKeyId ?? AWS_MANAGED_SECRETS_ALIAS;
      const key = findKey(sc.world, keyRef, req.region);
      if (!key) throw new AwsFault('AccessDeniedException', MESSAGES.kmsDenied, 400, { deny: true });
      if (keyState(key) !== 'Enabled') throw new AwsFault('DecryptionFailure', MESSAGES.decryptionFailure, 400);
      const decision = await sc.authorize({
        caller: req.caller,
        action: 'kms:Decrypt',
        resource: key.Arn,
        resourcePolicy: keyPolicyOf(sc.world, key),
        context: {
          'kms:ViaService': `secretsmanager.${req.region}.amazonaws.com`,
          'kms:CallerAccount': req.caller.accountId,
          'kms:EncryptionContext:SecretARN': secret.ARN,
          'kms:EncryptionContext:SecretVersionId': versionIdOf(secret),
        },
      });
      if (!decision.allowed) throw new AwsFault('AccessDeniedException', MESSAGES.kmsDenied, 400, { deny: true });
      const out: Record<string, unknown> = {
        ARN: secret.ARN,
        Name: secret.Name,
        VersionId: versionIdOf(secret),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: date(secret.LastChangedDate ?? secret.CreatedDate, '2025-01-10T09:00:00Z'),
      };
      if (secret.SecretBinary !== undefined) out.SecretBinary = secret.SecretBinary; // base64 on the wire, as in the world
      else out.SecretString = secret.SecretString ?? '';
      return out;
    },
    DescribeSecret: async (req, sc) => {
      const secretId = String(req.params.SecretId ?? '');
      const secret = await authorizedSecret(sc, req.caller, 'secretsmanager:DescribeSecret', secretId, req.region);
      const vid = versionIdOf(secret);
      return {
        ARN: secret.ARN,
        Name: secret.Name,
        ...(secret.Description ? { Description: secret.Description } : {}),
        // AWS omits KmsKeyId for the AWS managed key.
        ...(secret.KmsKeyId && secret.KmsKeyId !== AWS_MANAGED_SECRETS_ALIAS ? { KmsKeyId: secret.KmsKeyId } : {}),
        RotationEnabled: secret.RotationEnabled ?? false,
        CreatedDate: date(secret.CreatedDate, '2025-01-10T09:00:00Z'),
        LastChangedDate: date(secret.LastChangedDate ?? secret.CreatedDate, '2025-01-10T09:00:00Z'),
        ...(isDeleted(secret) ? { DeletedDate: date(secret.DeletedDate ?? undefined, '2026-12-31T00:00:00Z') } : {}),
        Tags: secret.Tags ?? [],
        VersionIdsToStages: { [vid]: ['AWSCURRENT'] },
      };
    },
    GetResourcePolicy: async (req, sc) => {
      const secretId = String(req.params.SecretId ?? '');
      const secret = await authorizedSecret(sc, req.caller, 'secretsmanager:GetResourcePolicy', secretId, req.region);
      return {
        ARN: secret.ARN,
        Name: secret.Name,
        ...(secret.ResourcePolicy ? { ResourcePolicy: JSON.stringify(secret.ResourcePolicy) } : {}),
      };
    },
  },
};

export default secretsManagerModule;

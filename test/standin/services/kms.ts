// Stand-in KMS (JSON 1.1, TrentService): DescribeKey and GetKeyPolicy over the world's `kms.keys`, plus the AWS
// managed key alias/aws/secretsmanager. Decisions come from the key policy through the evaluator, which applies
// KMS's rule: the key policy must allow, directly or by delegating to IAM through the account-root statement.
// Also exports the key lookup Secrets Manager uses to decide kms:Decrypt on a secret's behalf.
import { createHash } from 'node:crypto';
import { AwsFault, type ServiceModule, type WorldView } from '../types.ts';

export interface WorldKey {
  KeyId: string;
  Arn: string;
  KeyPolicy?: unknown;
  Aliases?: string[];
  KeyState?: string;
  KeyManager?: 'AWS' | 'CUSTOMER';
  Enabled?: boolean;
  Description?: string;
}

export const AWS_MANAGED_SECRETS_ALIAS = 'alias/aws/secretsmanager';

/** KMS's default key policy: the account root may do everything, which delegates access control to IAM. */
export function defaultKeyPolicy(account: string): unknown {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
    ],
  };
}

/** The policy AWS attaches to aws/secretsmanager: any principal of the account, through Secrets Manager only. */
function awsManagedSecretsPolicy(account: string, region: string): unknown {
  return {
    Version: '2012-10-17',
    Id: 'auto-secretsmanager-2',
    Statement: [
      {
        Sid: 'Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
        Resource: '*',
      },
    ],
  };
}

function stableId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function worldKeys(world: WorldView): WorldKey[] {
  return (world.kms?.keys ?? []) as WorldKey[];
}

/** The AWS managed key for Secrets Manager in a region, as KMS would describe it. */
export function awsManagedSecretsKey(world: WorldView, region: string): WorldKey {
  const id = stableId(`aws/secretsmanager/${world.account}/${region}`);
  return {
    KeyId: id,
    Arn: `arn:aws:kms:${region}:${world.account}:key/${id}`,
    KeyPolicy: awsManagedSecretsPolicy(world.account, region),
    Aliases: [AWS_MANAGED_SECRETS_ALIAS],
    KeyManager: 'AWS',
    KeyState: 'Enabled',
    Enabled: true,
    Description: 'Default key that protects my Secrets Manager data when no other key is defined',
  };
}

function keyRegion(k: WorldKey): string | undefined {
  return k.Arn.split(':')[3];
}

/** Resolve a KeyId as KMS accepts it: key id, key ARN, alias name, alias ARN. Keys live in their ARN's region. */
export function findKey(world: WorldView, keyRef: string, region: string): WorldKey | undefined {
  let ref = keyRef;
  const aliasArn = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/.exec(ref);
  if (aliasArn) {
    if (aliasArn[1] !== region) return undefined;
    ref = aliasArn[3];
  }
  if (ref === AWS_MANAGED_SECRETS_ALIAS) {
    return worldKeys(world).find((k) => k.Aliases?.includes(ref) && keyRegion(k) === region) ?? awsManagedSecretsKey(world, region);
  }
  const managed = awsManagedSecretsKey(world, region);
  if (ref === managed.KeyId || ref === managed.Arn) return managed;
  return worldKeys(world).find(
    (k) => keyRegion(k) === region && (k.KeyId === ref || k.Arn === ref || (ref.startsWith('alias/') && (k.Aliases ?? []).includes(ref))),
  );
}

export function keyPolicyOf(world: WorldView, key: WorldKey): unknown {
  return key.KeyPolicy ?? defaultKeyPolicy(world.account);
}

export function keyState(key: WorldKey): string {
  return key.KeyState ?? (key.Enabled === false ? 'Disabled' : 'Enabled');
}

function notFound(keyRef: string, region: string, account: string): AwsFault {
  if (keyRef.startsWith('alias/') || keyRef.includes(':alias/')) {
    const arn = keyRef.startsWith('arn:') ? keyRef : `arn:aws:kms:${region}:${account}:${keyRef}`;
    return new AwsFault('NotFoundException', `Alias ${arn} is not found.`, 400);
  }
  const arn = keyRef.startsWith('arn:') ? keyRef : `arn:aws:kms:${region}:${account}:key/${keyRef}`;
  return new AwsFault('NotFoundException', `Key '${arn}' does not exist`, 400);
}

export const kmsModule: ServiceModule = {
  signingName: 'kms',
  protocol: 'json',
  operations: {
    DescribeKey: async (req, sc) => {
      const keyRef = String(req.params.KeyId ?? '');
      const key = findKey(sc.world, keyRef, req.region);
      if (!key) throw notFound(keyRef, req.region, sc.world.account);
      await sc.require({ caller: req.caller, action: 'kms:DescribeKey', resource: key.Arn, resourcePolicy: keyPolicyOf(sc.world, key) });
      const state = keyState(key);
      return {
        KeyMetadata: {
          AWSAccountId: key.Arn.split(':')[4],
          KeyId: key.KeyId,
          Arn: key.Arn,
          CreationDate: new Date('2024-01-15T10:00:00Z'),
          Enabled: state === 'Enabled',
          Description: key.Description ?? '',
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeyState: state,
          Origin: 'AWS_KMS',
          KeyManager: key.KeyManager ?? 'CUSTOMER',
          CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
          KeySpec: 'SYMMETRIC_DEFAULT',
          EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
          MultiRegion: false,
        },
      };
    },
    GetKeyPolicy: async (req, sc) => {
      const keyRef = String(req.params.KeyId ?? '');
      // GetKeyPolicy takes a key id or key ARN, not an alias.
      if (keyRef.startsWith('alias/') || keyRef.includes(':alias/')) {
        throw new AwsFault('NotFoundException', `Invalid keyId '${keyRef}'`, 400);
      }
      const key = findKey(sc.world, keyRef, req.region);
      if (!key) throw notFound(keyRef, req.region, sc.world.account);
      const policy = keyPolicyOf(sc.world, key);
      await sc.require({ caller: req.caller, action: 'kms:GetKeyPolicy', resource: key.Arn, resourcePolicy: policy });
      return { Policy: JSON.stringify(policy), PolicyName: String(req.params.PolicyName ?? 'default') };
    },
    ListAliases: async (req, sc) => {
      await sc.require({ caller: req.caller, action: 'kms:ListAliases', resource: '*' });
      const aliases = worldKeys(sc.world)
        .filter((k) => keyRegion(k) === req.region)
        .flatMap((k) => (k.Aliases ?? []).map((a) => ({ AliasName: a, AliasArn: `arn:aws:kms:${req.region}:${sc.world.account}:${a}`, TargetKeyId: k.KeyId })));
      const managed = awsManagedSecretsKey(sc.world, req.region);
      if (!aliases.some((a) => a.AliasName === AWS_MANAGED_SECRETS_ALIAS)) {
        aliases.push({ AliasName: AWS_MANAGED_SECRETS_ALIAS, AliasArn: `arn:aws:kms:${req.region}:${sc.world.account}:${AWS_MANAGED_SECRETS_ALIAS}`, TargetKeyId: managed.KeyId });
      }
      return { Aliases: aliases, Truncated: false };
    },
  },
};

export default kmsModule;

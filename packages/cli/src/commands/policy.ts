// `gateway-doctor policy`: prints the correct trust and permission policies for the gateway's role (JSON, or
// Terraform `aws_iam_policy_document`), and the diagnostic's own least-privilege read policy. On a fresh account
// the trust policy goes on in two steps, because IAM rejects a trust policy naming a role that does not exist yet
// ("MalformedPolicyDocument: Invalid principal in policy"): create the role without the self statement, then add it.
import { EXIT } from '@gateway-doctor/core/types.ts';
import {
  applyCommands,
  bootstrapTrustPolicy,
  permissionPolicy,
  readPolicy,
  selfStatementViaAccountRoot,
  terraformPolicyDocument,
  trustPolicy,
} from '@gateway-doctor/core/templates/policies.ts';
import { parseArgs, last } from './run.ts';
import { listOf } from './lint.ts';

export const POLICY_USAGE = `Usage: gateway-doctor policy --role-arn ARN --platform-account-id ID --organization-id ID
                              [--secret ARN]... [--kms-key ARN]... [--region R] [--format json|terraform]

Prints the role's correct trust policy (Pod Identity, platform with ExternalId, self), its permission policy
(self-assume with tags, the secrets, kms:Decrypt for customer managed keys) and the read policy gateway-doctor
needs. On a fresh account apply the trust policy in two steps (the role cannot name itself before it exists):
  1. create the role with trust-bootstrap.json (no self statement)
  2. update-assume-role-policy with trust.json (adds the self statement by the role's ARN)
The alternative, one step: the account root narrowed by aws:PrincipalArn (selfViaAccountRoot in the JSON output);
it costs an identity-policy grant of sts:AssumeRole/sts:TagSession and gateway-doctor reports it as
TRUST_SELF_VIA_ACCOUNT_ROOT (warn).`;

const VALUE_FLAGS = ['role-arn', 'platform-account-id', 'organization-id', 'secret', 'secrets', 'kms-key', 'region', 'format'];

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, new Set(['help']));
  if (args.switches.has('help')) {
    process.stdout.write(`${POLICY_USAGE}\n`);
    return EXIT.OK;
  }
  const fail = (m: string) => {
    process.stderr.write(`gateway-doctor policy: ${m}\n\n${POLICY_USAGE}\n`);
    return EXIT.USAGE;
  };
  if (args.problems.length) return fail(args.problems[0]);
  const unknown = Object.keys(args.values).filter((k) => !VALUE_FLAGS.includes(k));
  if (unknown.length) return fail(`unknown option --${unknown[0]}`);
  if (args.positional.length) return fail(`unexpected argument ${JSON.stringify(args.positional[0])}`);
  const roleArn = last(args.values['role-arn']);
  const platformAccountId = last(args.values['platform-account-id']);
  const organizationId = last(args.values['organization-id']);
  if (!roleArn || !/^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/.test(roleArn)) return fail(`--role-arn must be a role ARN (arn:aws:iam::<account>:role/<name>)${roleArn ? `, got ${JSON.stringify(roleArn)}` : ''}`);
  if (!platformAccountId || !/^\d{12}$/.test(platformAccountId)) return fail('--platform-account-id must be a 12-digit account id');
  if (!organizationId) return fail('--organization-id is required (the ExternalId the platform sends)');
  // the ExternalId's own character set (as `run` checks it): anything else could never match, and would land
  // unescaped in the printed JSON/Terraform (a `${` is a Terraform interpolation)
  if (organizationId.length < 2 || organizationId.length > 1224 || !/^[\w+=,.@:/-]+$/.test(organizationId))
    return fail(`--organization-id must be 2 to 1224 of letters, digits and +=,.@:/-_ (the ExternalId character set), got ${JSON.stringify(organizationId)}`);
  const regionFlag = last(args.values.region);
  if (regionFlag !== undefined && !/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/.test(regionFlag)) return fail(`--region must be an AWS region like us-east-1, got ${JSON.stringify(regionFlag)}`);
  const format = last(args.values.format) ?? 'json';
  if (format !== 'json' && format !== 'terraform') return fail(`--format must be json or terraform, got ${JSON.stringify(format)}`);
  const secrets = [...listOf(args.values.secret), ...listOf(args.values.secrets)].flatMap((s) => s.split(',')).filter(Boolean);
  for (const s of secrets) if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+/.test(s)) return fail(`--secret ${s} is not a Secrets Manager secret ARN`);
  const kmsKeyArns = listOf(args.values['kms-key']).flatMap((s) => s.split(',')).filter(Boolean);
  for (const k of kmsKeyArns) if (!/^arn:aws(?:-[a-z]+)*:kms:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:key\/[\w-]+$/.test(k)) return fail(`--kms-key ${JSON.stringify(k)} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)`);
  const region = last(args.values.region) ?? secrets[0]?.split(':')[3];
  const inputs = { roleArn, platformAccountId, organizationId };
  const trust = trustPolicy(inputs);
  const bootstrap = bootstrapTrustPolicy(inputs);
  const permissions = permissionPolicy({ roleArn, secrets, kmsKeyArns, region });
  const read = readPolicy({ roleArn, secrets });
  const commands = applyCommands(roleArn);
  if (format === 'terraform') {
    process.stdout.write(
      [
        '# Step 1 (fresh account): create the role with gateway_trust_bootstrap; step 2: switch to gateway_trust once it exists.',
        terraformPolicyDocument('gateway_trust_bootstrap', bootstrap),
        terraformPolicyDocument('gateway_trust', trust),
        terraformPolicyDocument('gateway_permissions', permissions),
        terraformPolicyDocument('gateway_doctor_read', read),
      ].join('\n\n') + '\n',
    );
    return EXIT.OK;
  }
  process.stdout.write(
    JSON.stringify(
      {
        trustPolicy: trust,
        trustPolicyBootstrap: bootstrap,
        selfViaAccountRoot: selfStatementViaAccountRoot(roleArn),
        permissionPolicy: permissions,
        readPolicy: read,
        apply: [commands.bootstrap, commands.trust, commands.permissions],
      },
      null,
      2,
    ) + '\n',
  );
  return EXIT.OK;
}

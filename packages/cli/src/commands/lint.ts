// `gateway-doctor lint FILE...`: the policy analysis offline, on the files a platform team has before applying
// anything (policy JSON, `aws iam get-role` / `get-account-authorization-details` output, a Terraform plan from
// `terraform show -json`, a CloudFormation template). Exit 0 clean, 3 findings that fail, 4 only warnings, 2 bad
// input or usage (naming the position).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { EXIT } from '@gateway-doctor/core/types.ts';
import { readLintInput, LintInputError, lintInputs, lintText, lintJson, lintSarif, type LintInput } from '@gateway-doctor/core/lint/index.ts';
import type { PolicyContract } from '@gateway-doctor/core/analyze/policy-types.ts';
import { parseArgs, last } from './run.ts';

export const LINT_USAGE = `Usage: gateway-doctor lint FILE... [--config F | --role-arn ARN --platform-account-id ID --organization-id ID
                             [--namespace NS] [--service-account SA] [--cluster-name C] [--region R] [--secrets ARN,...]]
                             [--key-policy KEY_ARN=FILE]... [--format text|json|sarif] [--warn-ok]

Checks trust and permission policies offline against the contract (Pod Identity, platform with ExternalId, self).
FILE: a policy JSON, \`aws iam get-role\` or \`aws iam get-account-authorization-details\` output, a Terraform plan
(\`terraform show -json plan.out\`), or a CloudFormation template (JSON or YAML).
--key-policy: a customer managed key's policy (\`aws kms get-key-policy --key-id ARN --policy-name default\` output)
to check the role's kms:Decrypt on it.
Exit: 0 clean, 3 a failing finding, 4 only warnings (0 with --warn-ok), 2 bad input or usage.`;

/** A flag's values: repeated flags become arrays in parseArgs. */
export function listOf(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

const VALUE_FLAGS = ['key-policy', 'config', 'role-arn', 'platform-account-id', 'organization-id', 'namespace', 'service-account', 'cluster-name', 'region', 'secrets', 'format'];

function usageError(message: string): number {
  process.stderr.write(`gateway-doctor lint: ${message}\n\n${LINT_USAGE}\n`);
  return EXIT.USAGE;
}

const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const SECRET_ARN = /^arn:aws(?:-[a-z]+)*:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:secret:[\w/+=.@!*?-]{1,512}$/;
const REGION_RE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** The contract from --config (the product's config file, read leniently: only the fields lint uses) and flags. */
export function contractFrom(values: Record<string, string | string[]>, inputs: LintInput[]): PolicyContract | string {
  let file: Record<string, unknown> = {};
  const configPath = last(values.config);
  if (configPath) {
    try {
      const parsed = parseYaml(readFileSync(configPath, 'utf8'));
      if (parsed && typeof parsed === 'object') file = parsed as Record<string, unknown>;
      else return `${configPath}: expected a mapping of config fields`;
    } catch (e) {
      return `${configPath}: ${(e as Error).message.split('\n')[0]}`;
    }
    // a world file works too: its gateway section
    if (file.gateway && typeof file.gateway === 'object') file = { region: file.region, ...(file.gateway as Record<string, unknown>) };
  }
  // a number is read as `run` reads it (an unquoted account id), then checked like every other value below
  const pick = (flag: string, field: string): string | undefined =>
    last(values[flag]) ?? (typeof file[field] === 'string' ? (file[field] as string) : typeof file[field] === 'number' ? String(file[field]) : undefined);
  const roleFromInputs = inputs.flatMap((i) => i.roles).filter((r) => r.arn);
  const roleArn = pick('role-arn', 'roleArn') ?? (roleFromInputs.length === 1 ? roleFromInputs[0].arn : undefined);
  const platformAccountId = pick('platform-account-id', 'platformAccountId');
  const organizationId = pick('organization-id', 'organizationId');
  const missing = [!roleArn && '--role-arn', !platformAccountId && '--platform-account-id', !organizationId && '--organization-id'].filter(Boolean);
  if (missing.length) return `missing ${missing.join(', ')} (or --config FILE with roleArn, platformAccountId, organizationId)`;
  const secretsFlag = listOf(values.secrets).flatMap((s) => s.split(',')).filter(Boolean);
  const secrets = secretsFlag?.length ? secretsFlag : Array.isArray(file.secrets) ? (file.secrets as string[]) : [];
  // bad values are bad input (exit 2, naming the field), never a finding about a role that cannot exist
  const source = (flag: string, field: string) => (last(values[flag]) !== undefined ? `--${flag}` : configPath && file[field] !== undefined ? `${configPath}: ${field}` : field);
  if (!ROLE_ARN.test(roleArn!)) return `${source('role-arn', 'roleArn')}: must be an IAM role ARN like arn:aws:iam::111122223333:role/ai-gateway, got ${JSON.stringify(roleArn)}`;
  if (!/^\d{12}$/.test(platformAccountId!)) return `${source('platform-account-id', 'platformAccountId')}: must be a 12-digit account id${typeof file.platformAccountId === 'number' && last(values['platform-account-id']) === undefined ? ' (quote it: an unquoted number loses leading zeros)' : ''}, got ${JSON.stringify(platformAccountId)}`;
  if (organizationId!.length < 2 || organizationId!.length > 1224 || !/^[\w+=,.@:/-]+$/.test(organizationId!))
    return `${source('organization-id', 'organizationId')}: must be 2 to 1224 of letters, digits and +=,.@:/-_ (the ExternalId character set), got ${JSON.stringify(organizationId)}`;
  const badSecret = secrets.findIndex((s) => typeof s !== 'string' || !SECRET_ARN.test(s));
  if (badSecret >= 0) return `${source('secrets', 'secrets')}[${badSecret}]: must be a Secrets Manager secret ARN like arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/x-AbCdEf`;
  const regionValue = pick('region', 'region');
  if (regionValue !== undefined && !REGION_RE.test(regionValue)) return `${source('region', 'region')}: must be an AWS region like us-east-1, got ${JSON.stringify(regionValue)}`;
  const sessionTags = file.sessionTags && typeof file.sessionTags === 'object' ? (file.sessionTags as Record<string, string>) : { 'gateway-doctor': 'probe' };
  return {
    roleArn: roleArn!,
    platformAccountId: platformAccountId!,
    organizationId: organizationId!,
    namespace: pick('namespace', 'namespace'),
    serviceAccount: pick('service-account', 'serviceAccount'),
    clusterName: pick('cluster-name', 'clusterName'),
    region: pick('region', 'region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
    secrets,
    sessionTags,
  };
}

/** A file lint was given, or undefined after saying why it cannot be read (the caller exits 2). */
function readInput(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`gateway-doctor lint: ${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return undefined;
  }
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, new Set(['help', 'warn-ok']));
  if (args.switches.has('help')) {
    process.stdout.write(`${LINT_USAGE}\n`);
    return EXIT.OK;
  }
  if (args.problems.length) return usageError(args.problems[0]);
  const unknown = Object.keys(args.values).filter((k) => !VALUE_FLAGS.includes(k));
  if (unknown.length) return usageError(`unknown option --${unknown[0]}`);
  const format = last(args.values.format) ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) return usageError(`--format must be text, json or sarif, got ${JSON.stringify(format)}`);
  if (!args.positional.length) return usageError('no FILE given');
  const hints = { roleArn: last(args.values['role-arn']), region: last(args.values.region) };
  const inputs: LintInput[] = [];
  for (const file of args.positional) {
    const text = readInput(file);
    if (text === undefined) return EXIT.USAGE;
    try {
      inputs.push(readLintInput(file, text, hints));
    } catch (e) {
      if (e instanceof LintInputError) {
        process.stderr.write(`gateway-doctor lint: ${e.message}\n`);
        return EXIT.USAGE;
      }
      throw e;
    }
  }
  const contract = contractFrom(args.values, inputs);
  if (typeof contract === 'string') return usageError(contract);
  if (!hints.roleArn) {
    // CloudFormation/Terraform ARNs were built without the account: read again now that the role ARN is known.
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i].kind === 'cloudformation' || inputs[i].kind === 'terraform-plan') inputs[i] = readLintInput(inputs[i].file, readFileSync(inputs[i].file, 'utf8'), { roleArn: contract.roleArn, region: contract.region });
    }
  }
  const keyPolicies = [];
  for (const spec of listOf(args.values['key-policy'])) {
    const eq = spec.lastIndexOf('=');
    const keyArn = spec.slice(0, eq);
    const file = spec.slice(eq + 1);
    if (eq < 0 || !/^arn:aws[a-z-]*:kms:/.test(keyArn)) return usageError(`--key-policy takes KEY_ARN=FILE, got ${JSON.stringify(spec)}`);
    const text = readInput(file);
    if (text === undefined) return EXIT.USAGE;
    let document: unknown;
    try {
      const parsed = JSON.parse(text);
      document = typeof parsed?.Policy === 'string' ? parsed.Policy : parsed;
    } catch (e) {
      process.stderr.write(`gateway-doctor lint: ${file}: not valid JSON: ${(e as Error).message}\n`);
      return EXIT.USAGE;
    }
    keyPolicies.push({ keyArn, document, input: { file, kind: 'policy' as const, roles: [], managed: [], position: () => undefined } });
  }
  const result = lintInputs(inputs, contract, keyPolicies);
  const out = format === 'json' ? lintJson(result) : format === 'sarif' ? lintSarif(result) : lintText(result);
  process.stdout.write(out);
  if (result.findings.some((f) => f.status === 'fail')) return EXIT.FAIL;
  if (result.findings.length) return args.switches.has('warn-ok') ? EXIT.OK : EXIT.WARN;
  return EXIT.OK;
}

// `gateway-doctor lint` on every input kind: the C14 mistake (self principal merged into the platform statement
// with its ExternalId) must come out as TRUST_SELF_HAS_EXTERNAL_ID at the right file, line and statement, in text,
// JSON and SARIF; bad input exits 2 naming the position; clean input exits 0. lint makes no network calls.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLintInput, lintInputs, lintSarif } from '../../packages/core/src/lint/index.ts';
import { trustPolicy, permissionPolicy } from '../../packages/core/src/templates/policies.ts';
import { readdirSync } from 'node:fs';
import { loadWorld } from '../world/load.ts';
import { analyzeWorld, gatewayRole, worldContract } from './world-policies.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const FIX = join(ROOT, 'test/policy/fixtures');
const ROLE = 'arn:aws:iam::111122223333:role/ai-gateway';
const SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/snowflake-AbCdEf';
const FLAGS = ['--role-arn', ROLE, '--platform-account-id', '999988887777', '--organization-id', 'org-7f3a9c', '--region', 'us-east-1', '--secrets', SECRET];
const contract = { roleArn: ROLE, platformAccountId: '999988887777', organizationId: 'org-7f3a9c', region: 'us-east-1', secrets: [SECRET] };

function lintCli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'lint', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The line holding `needle` (its first occurrence after the line holding `after`). */
function lineOf(file: string, needle: string, after?: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = after ? lines.findIndex((l) => l.includes(after)) : 0;
  return lines.findIndex((l, i) => i >= start && l.includes(needle)) + 1;
}

const c14Cases: { file: string; kind: string; line: () => number }[] = [
  { file: 'c14-plan.json', kind: 'terraform-plan', line: () => lineOf(join(FIX, 'c14-plan.json'), '"assume_role_policy"') },
  { file: 'c14-template.yaml', kind: 'cloudformation', line: () => lineOf(join(FIX, 'c14-template.yaml'), 'sts:ExternalId', 'PlatformAndSelf') },
  { file: 'c14-template.json', kind: 'cloudformation', line: () => lineOf(join(FIX, 'c14-template.json'), '"sts:ExternalId"', 'PlatformAndSelf') },
  { file: 'c14-get-role.json', kind: 'get-role', line: () => lineOf(join(FIX, 'c14-get-role.json'), '"sts:ExternalId"') },
  { file: 'c14-trust.json', kind: 'policy', line: () => lineOf(join(FIX, 'c14-trust.json'), '"sts:ExternalId"') },
];

t.test('C14 in every input kind: TRUST_SELF_HAS_EXTERNAL_ID at the statement', async (t) => {
  for (const c of c14Cases) {
    const path = join(FIX, c.file);
    const input = readLintInput(path, readFileSync(path, 'utf8'), { roleArn: ROLE, region: 'us-east-1' });
    t.equal(input.kind, c.kind, `${c.file}: detected as ${c.kind}`);
    const result = lintInputs([input], contract);
    const f = result.findings.find((x) => x.code === 'TRUST_SELF_HAS_EXTERNAL_ID');
    t.ok(f, `${c.file}: finding`);
    t.equal(f?.pointer, '/Statement/1/Condition/StringEquals/sts:ExternalId', `${c.file}: pointer`);
    t.equal(f?.location?.sid, 'PlatformAndSelf', `${c.file}: Sid`);
    t.equal(f?.line, c.line(), `${c.file}: line`);
    t.same(result.findings.map((x) => x.code), ['TRUST_SELF_HAS_EXTERNAL_ID'], `${c.file}: nothing else`);
  }
});

t.test('Terraform modules: an aws_iam_policy attached by reference (ARN unknown at plan time)', async (t) => {
  const path = join(FIX, 'wildcard-module-plan.json');
  const result = lintInputs([readLintInput(path, readFileSync(path, 'utf8'), { roleArn: ROLE })], contract);
  t.same(result.findings.map((f) => [f.code, f.logical, f.pointer, f.line]), [['PERMISSION_SECRETS_WILDCARD', 'module.gateway.aws_iam_policy.secrets', '/Statement/1/Resource', lineOf(path, '"policy"', 'aws_iam_policy.secrets')]]);
});

t.test('lint on every world file finds what the analysis of its documents finds', async (t) => {
  const dir = join(ROOT, 'test/worlds');
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort()) {
    const path = join(dir, f);
    const { world } = loadWorld(path);
    if (!gatewayRole(world)) continue;
    const contract = worldContract(world);
    const result = lintInputs([readLintInput(path, readFileSync(path, 'utf8'), { roleArn: contract.roleArn })], contract);
    t.same(result.findings.map((x) => x.code).sort(), analyzeWorld(world).map((x) => x.code).sort(), f);
    t.ok(result.findings.every((x) => (x.line ?? 0) > 0), `${f}: every finding has a line`);
    n++;
  }
  t.ok(n > 40, `${n} worlds linted`);
});

t.test('SARIF 2.1.0: stable ruleId and a location per finding', async (t) => {
  const path = join(FIX, 'c14-template.yaml');
  const result = lintInputs([readLintInput(path, readFileSync(path, 'utf8'), { roleArn: ROLE, region: 'us-east-1' })], contract);
  const sarif = JSON.parse(lintSarif(result));
  t.equal(sarif.version, '2.1.0');
  const r = sarif.runs[0].results[0];
  t.equal(r.ruleId, 'TRUST_SELF_HAS_EXTERNAL_ID');
  t.equal(sarif.runs[0].tool.driver.rules[r.ruleIndex].id, 'TRUST_SELF_HAS_EXTERNAL_ID');
  t.equal(r.level, 'error');
  t.equal(r.locations[0].physicalLocation.artifactLocation.uri, path);
  t.equal(r.locations[0].physicalLocation.region.startLine, lineOf(path, 'sts:ExternalId', 'PlatformAndSelf'));
  t.match(r.locations[0].logicalLocations[0].fullyQualifiedName, 'Resources.GatewayRole/Statement/1');
});

t.test('the CLI: exit codes and formats', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gd-lint-'));
  const c14 = lintCli([join(FIX, 'c14-plan.json'), ...FLAGS, '--format', 'json']);
  t.equal(c14.code, 3, 'a failing finding exits 3');
  t.same(JSON.parse(c14.stdout).findings.map((f: { code: string }) => f.code), ['TRUST_SELF_HAS_EXTERNAL_ID']);
  const sarif = lintCli([join(FIX, 'c14-template.yaml'), ...FLAGS, '--format', 'sarif']);
  t.equal(sarif.code, 3);
  t.equal(JSON.parse(sarif.stdout).runs[0].results[0].ruleId, 'TRUST_SELF_HAS_EXTERNAL_ID');
  // clean: the documents `gateway-doctor policy` prints
  const authz = {
    RoleDetailList: [{ RoleName: 'ai-gateway', Arn: ROLE, AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trustPolicy(contract))), RolePolicyList: [{ PolicyName: 'gateway', PolicyDocument: permissionPolicy({ roleArn: ROLE, secrets: [SECRET] }) }], AttachedManagedPolicies: [] }],
    Policies: [],
  };
  writeFileSync(join(dir, 'authz.json'), JSON.stringify(authz, null, 2));
  const clean = lintCli([join(dir, 'authz.json'), ...FLAGS]);
  t.equal(clean.code, 0, `clean exits 0: ${clean.stdout}${clean.stderr}`);
  // warnings only: GetSecretValue on * (C24)
  const wide = structuredClone(authz);
  (wide.RoleDetailList[0].RolePolicyList[0].PolicyDocument.Statement[1] as Record<string, unknown>).Resource = '*';
  writeFileSync(join(dir, 'wide.json'), JSON.stringify(wide));
  const w = lintCli([join(dir, 'wide.json'), ...FLAGS]);
  t.equal(w.code, 4, 'only warnings exit 4');
  t.match(w.stdout, /PERMISSION_SECRETS_WILDCARD/);
  t.equal(lintCli([join(dir, 'wide.json'), ...FLAGS, '--warn-ok']).code, 0, '--warn-ok');
  // an SCP (`aws organizations describe-policy` output) that allows no STS: PERMISSION_SCP_BLOCKS
  const scp = { Policy: { PolicySummary: { Id: 'p-abcd1234', Name: 'workloads-allow-list', Type: 'SERVICE_CONTROL_POLICY', Arn: 'arn:aws:organizations::999988887777:policy/o-x/service_control_policy/p-abcd1234' }, Content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['secretsmanager:*', 'iam:Get*'], Resource: '*' }] }) } };
  writeFileSync(join(dir, 'scp.json'), JSON.stringify(scp, null, 2));
  const s = lintCli([join(dir, 'authz.json'), join(dir, 'scp.json'), ...FLAGS, '--format', 'json']);
  t.equal(s.code, 3);
  t.same(JSON.parse(s.stdout).findings.map((f: { code: string; file: string }) => [f.code, f.file.endsWith('scp.json')]), [['PERMISSION_SCP_BLOCKS', true], ['PERMISSION_SCP_BLOCKS', true]]);
  // a key policy without the role and without delegation to IAM: PERMISSION_KMS_DECRYPT_MISSING
  const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1f2e3d4c-0000-0000-0000-000000000001';
  writeFileSync(join(dir, 'key-policy.json'), JSON.stringify({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/key-admin' }, Action: 'kms:*', Resource: '*' }] }), PolicyName: 'default' }));
  const k = lintCli([join(dir, 'authz.json'), ...FLAGS, '--key-policy', `${KEY}=${join(dir, 'key-policy.json')}`, '--format', 'json']);
  t.equal(k.code, 3, k.stderr);
  t.same(JSON.parse(k.stdout).findings.map((f: { code: string; evidence: { missing: string } }) => [f.code, f.evidence.missing]), [['PERMISSION_KMS_DECRYPT_MISSING', 'key-policy']]);
  // bad input names the position
  writeFileSync(join(dir, 'broken.json'), '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",,}\n  ]\n}\n');
  const bad = lintCli([join(dir, 'broken.json'), ...FLAGS]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /broken\.json:4:\d+: not valid JSON/);
  writeFileSync(join(dir, 'broken.yaml'), 'Resources:\n  R:\n    Type: [unclosed\n');
  const badYaml = lintCli([join(dir, 'broken.yaml'), ...FLAGS]);
  t.equal(badYaml.code, 2);
  t.match(badYaml.stderr, /broken\.yaml:\d+:\d+: not valid YAML/);
  const usage = lintCli([join(FIX, 'c14-trust.json')]);
  t.equal(usage.code, 2, 'missing contract values');
  t.match(usage.stderr, /--platform-account-id/);
  // --config takes a world or the product config
  const cfg = lintCli([join(FIX, 'c14-trust.json'), '--config', join(ROOT, 'test/worlds/healthy-basic.yaml')]);
  t.equal(cfg.code, 3);
  t.match(cfg.stdout, /TRUST_SELF_HAS_EXTERNAL_ID/);
});

t.test('gateway-doctor policy prints documents lint accepts', async (t) => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'policy', '--role-arn', ROLE, '--platform-account-id', '999988887777', '--organization-id', 'org-7f3a9c', '--secret', SECRET], { cwd: ROOT, encoding: 'utf8' });
  const printed = JSON.parse(out);
  const dir = mkdtempSync(join(tmpdir(), 'gd-policy-'));
  writeFileSync(join(dir, 'trust.json'), JSON.stringify(printed.trustPolicy));
  writeFileSync(join(dir, 'permissions.json'), JSON.stringify(printed.permissionPolicy));
  const r = lintCli([join(dir, 'trust.json'), join(dir, 'permissions.json'), ...FLAGS]);
  t.equal(r.code, 0, r.stdout);
  t.equal(printed.trustPolicyBootstrap.Statement.length, 2, 'the bootstrap trust omits the self statement');
  t.match(printed.apply[0], /create-role --role-name ai-gateway/);
  const tf = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'policy', '--role-arn', ROLE, '--platform-account-id', '999988887777', '--organization-id', 'org-7f3a9c', '--format', 'terraform'], { cwd: ROOT, encoding: 'utf8' });
  t.match(tf, /data "aws_iam_policy_document" "gateway_trust" \{/);
  t.match(tf, /variable = "sts:ExternalId"/);
});

t.test('newcomer: text output prints the document its fix refers to; bad contract values exit 2 naming the field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gd-lint-nc-'));
  // text: "The whole corrected trust policy is below; write it to trust.json" — the policy must be below
  const text = lintCli([join(FIX, 'c14-trust.json'), ...FLAGS]);
  t.equal(text.code, 3);
  t.match(text.stdout, /The whole corrected trust policy is below/);
  const after = text.stdout.split('file://trust.json')[1] ?? '';
  t.match(after, /^\s+trust\.json:\n\s+\{\n\s+"Version": "2012-10-17"/, 'the corrected trust policy follows the command');
  t.match(after, /"Sid": "SelfAssume"/, 'with the self statement');
  // values that cannot be a contract are bad input, not findings
  const bad: [string[], RegExp][] = [
    [['--role-arn', 'x', '--platform-account-id', '999988887777', '--organization-id', 'org-7f3a9c'], /--role-arn: must be an IAM role ARN/],
    [['--role-arn', ROLE, '--platform-account-id', '1', '--organization-id', 'org-7f3a9c'], /--platform-account-id: must be a 12-digit account id/],
    [[...FLAGS.slice(0, 8), '--secrets', 'not-an-arn'], /--secrets\[0\]: must be a Secrets Manager secret ARN/],
    [[...FLAGS.slice(0, 6), '--region', 'mars'], /--region: must be an AWS region/],
  ];
  for (const [flags, message] of bad) {
    const r = lintCli([join(FIX, 'c14-trust.json'), ...flags]);
    t.equal(r.code, 2, `exit 2 for ${flags.join(' ')}`);
    t.match(r.stderr, message);
    t.equal(r.stdout, '', 'nothing on stdout');
  }
  writeFileSync(join(dir, 'short-account.yaml'), `roleArn: arn:aws:iam::1111:role/ai-gateway\nplatformAccountId: "999988887777"\norganizationId: org-7f3a9c\n`);
  const cfg = lintCli([join(FIX, 'c14-trust.json'), '--config', join(dir, 'short-account.yaml')]);
  t.equal(cfg.code, 2);
  t.match(cfg.stderr, /short-account\.yaml: roleArn: must be an IAM role ARN/);
  // an unquoted account id is read as `run` reads it (a number), not reported missing
  writeFileSync(join(dir, 'number.yaml'), `roleArn: ${ROLE}\nplatformAccountId: 999988887777\norganizationId: org-7f3a9c\n`);
  const num = lintCli([join(FIX, 'c14-trust.json'), '--config', join(dir, 'number.yaml')]);
  t.equal(num.code, 3, num.stderr);
  t.match(num.stdout, /TRUST_SELF_HAS_EXTERNAL_ID/);
  writeFileSync(join(dir, 'zeros.yaml'), `roleArn: ${ROLE}\nplatformAccountId: 012345678901\norganizationId: org-7f3a9c\n`);
  const zeros = lintCli([join(FIX, 'c14-trust.json'), '--config', join(dir, 'zeros.yaml')]);
  t.equal(zeros.code, 2);
  t.match(zeros.stderr, /zeros\.yaml: platformAccountId: must be a 12-digit account id \(quote it/);
});

t.test('newcomer: policy refuses values that would print a document AWS or Terraform cannot take', async (t) => {
  const base = ['--role-arn', ROLE, '--platform-account-id', '999988887777', '--organization-id', 'org-7f3a9c'];
  const policyCli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'policy', ...args], { cwd: ROOT, encoding: 'utf8' });
  const bad: [string[], RegExp][] = [
    [[...base, '--kms-key', 'notakey'], /--kms-key "notakey" is not a KMS key ARN/],
    [[...base, '--region', 'us-east-1"; x'], /--region must be an AWS region/],
    [['--role-arn', 'arn:aws:iam::111122223333:role/ai gateway', ...base.slice(2)], /--role-arn must be a role ARN/],
    [[...base.slice(0, 4), '--organization-id', 'a${b}', '--format', 'terraform'], /--organization-id must be 2 to 1224 of letters/],
    [[...base.slice(0, 4), '--organization-id', 'org"x'], /ExternalId character set/],
  ];
  for (const [args, message] of bad) {
    const r = policyCli(args);
    t.equal(r.status, 2, `exit 2 for ${args.join(' ')}`);
    t.match(r.stderr, message);
    t.equal(r.stdout, '', 'nothing printed');
  }
  const ok = policyCli([...base, '--kms-key', 'arn:aws:kms:us-east-1:111122223333:key/1f2e3d4c-0000-0000-0000-000000000001', '--region', 'us-east-1']);
  t.equal(ok.status, 0, ok.stderr);
});

t.test('newcomer: a policy whose Statement is not statement objects is bad input at its position, not missing grants', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gd-lint-stmt-'));
  writeFileSync(join(dir, 'string.json'), '{"Version":"2012-10-17","Statement":"nope"}\n');
  writeFileSync(join(dir, 'mixed.json'), '{"Version":"2012-10-17",\n "Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},\n  42]}\n');
  const s = lintCli([join(dir, 'string.json'), ...FLAGS]);
  t.equal(s.code, 2, s.stdout);
  t.match(s.stderr, /string\.json:1:\d+: Statement: must be a statement object/);
  t.equal(s.stdout, '');
  const m = lintCli([join(dir, 'mixed.json'), ...FLAGS]);
  t.equal(m.code, 2, m.stdout);
  t.match(m.stderr, /mixed\.json:3:3: Statement\[1\]: must be a statement object .*got 42/);
});

t.test('newcomer: a role from a CloudFormation template or Terraform plan is fixed there, not by a CLI command a deploy reverts', async (t) => {
  for (const [file, iac] of [['c14-template.yaml', 'CloudFormation'], ['c14-plan.json', 'Terraform']] as const) {
    const r = lintCli([join(FIX, file), ...FLAGS, '--format', 'json']);
    t.equal(r.code, 3);
    const f = JSON.parse(r.stdout).findings[0] as { remedy: { text: string; commands: string[] } };
    t.match(f.remedy.text, new RegExp(`This role is managed by ${iac} \\(.+ in .*${file.replace('.', '\\.')}\\): make the change there`));
  }
  const bare = lintCli([join(FIX, 'c14-trust.json'), ...FLAGS, '--format', 'json']);
  t.notMatch((JSON.parse(bare.stdout).findings[0] as { remedy: { text: string } }).remedy.text, /managed by/, 'a bare policy file: the command is the fix');
});

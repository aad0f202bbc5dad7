// The stand-in's IAM module as the AWS CLI sees it, and lint on what the CLI prints: inside the pod sandbox,
// Debian's AWS CLI (harness credentials) runs `aws iam get-role` and `aws iam get-account-authorization-details`
// against the C14 world (the CLI URL-decodes the documents itself); `gateway-doctor lint` on that output must find
// TRUST_SELF_HAS_EXTERNAL_ID at the merged statement. The harness key is the only caller, so the product's own
// read-only guard is not involved here.
import t from 'tap';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorld } from '../world/load.ts';
import { runInSandbox } from '../sandbox/index.ts';
import { readLintInput, lintInputs } from '../../packages/core/src/lint/index.ts';
import { worldContract } from './world-policies.ts';

const WORLD = new URL('../worlds/c14-self-merged-with-platform.yaml', import.meta.url).pathname;
const CLI = '/usr/bin/aws';

t.test('aws iam get-role / get-account-authorization-details output, linted', { skip: existsSync(CLI) ? false : 'Debian awscli (/usr/bin/aws) is not installed' }, async (t) => {
  const { world } = loadWorld(WORLD);
  const env = { AWS_ACCESS_KEY_ID: '{{harness.accessKeyId}}', AWS_SECRET_ACCESS_KEY: '{{harness.secretAccessKey}}', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
  const r = await runInSandbox({
    world,
    timeoutMs: 240_000,
    steps: [
      { cmd: [CLI, 'iam', 'get-role', '--role-name', 'ai-gateway', '--output', 'json'], env },
      { cmd: [CLI, 'iam', 'get-account-authorization-details', '--filter', 'Role', 'LocalManagedPolicy', '--output', 'json'], env },
      { cmd: [CLI, 'iam', 'get-role', '--role-name', 'no-such-role', '--output', 'json'], env },
    ],
  });
  const [getRole, authz, missing] = r.steps;
  t.equal(getRole.exitCode, 0, `get-role: ${getRole.stderr.slice(-400)}`);
  t.equal(authz.exitCode, 0, `get-account-authorization-details: ${authz.stderr.slice(-400)}`);
  t.equal(missing.exitCode, 254, 'a missing role is a service error');
  t.match(missing.stderr, /NoSuchEntity.*The role with name no-such-role cannot be found/);
  const parsedRole = JSON.parse(getRole.stdout);
  t.equal(typeof parsedRole.Role.AssumeRolePolicyDocument, 'object', 'the CLI decoded the URL-encoded trust policy');
  const dir = mkdtempSync(join(tmpdir(), 'gd-iam-cli-'));
  const contract = worldContract(world);
  for (const [name, out] of [['role.json', getRole.stdout], ['authz.json', authz.stdout]] as const) {
    const file = join(dir, name);
    writeFileSync(file, out);
    const result = lintInputs([readLintInput(file, out, { roleArn: contract.roleArn })], contract);
    const f = result.findings.find((x) => x.code === 'TRUST_SELF_HAS_EXTERNAL_ID');
    t.ok(f, `${name}: TRUST_SELF_HAS_EXTERNAL_ID`);
    t.match(f?.pointer ?? '', /^\/Statement\/1\/Condition\/StringEquals\/sts:ExternalId$/, `${name}: pointer`);
    t.ok((f?.line ?? 0) > 1, `${name}: a line in the file`);
  }
  t.ok(r.requests.some((e: any) => e.operation === 'GetAccountAuthorizationDetails' && e.harness), 'logged as a harness call');
});

// Runs INSIDE the pod sandbox (see fidelity.test.ts): takes credentials from the Pod Identity agent with the
// pod's token file, then makes the same STS calls with the JS SDK and with Debian's AWS CLI (/usr/bin/aws 2.9,
// which predates Pod Identity, so it gets the agent's credentials as env variables) and prints both sides'
// answers as one JSON line. Secrets never leave this process: only ARNs, codes and messages are printed.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { STSClient, GetCallerIdentityCommand, AssumeRoleCommand } from '@aws-sdk/client-sts';

const run = promisify(execFile);
const region = process.env.AWS_REGION ?? 'us-east-1';
const [roleArn, deniedRoleArn] = process.argv.slice(2);

interface Answer { ok: boolean; arn?: string; account?: string; userId?: string; packed?: number; code?: string; message?: string; status?: number }

async function agentCredentials() {
  const token = readFileSync(process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE!, 'utf8');
  const r = await fetch(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI!, { headers: { Authorization: token } });
  if (r.status !== 200) throw new Error(`agent answered ${r.status}`);
  const j = await r.json() as any;
  return { accessKeyId: j.AccessKeyId as string, secretAccessKey: j.SecretAccessKey as string, sessionToken: j.Token as string };
}

async function sdk(creds: Awaited<ReturnType<typeof agentCredentials>>, call: 'whoami' | { role: string; duration?: number; tags?: boolean }): Promise<Answer> {
  const client = new STSClient({ region, credentials: creds, maxAttempts: 1 });
  try {
    if (call === 'whoami') {
      const r = await client.send(new GetCallerIdentityCommand({}));
      return { ok: true, arn: r.Arn, account: r.Account, userId: r.UserId };
    }
    const r = await client.send(new AssumeRoleCommand({
      RoleArn: call.role, RoleSessionName: 'fidelity', DurationSeconds: call.duration ?? 3600,
      ...(call.tags ? { Tags: [{ Key: 'gateway-doctor', Value: 'probe' }] } : {}),
    }));
    return { ok: true, arn: r.AssumedRoleUser?.Arn, packed: r.PackedPolicySize };
  } catch (e: any) {
    // The wire code: the SDK's name can be the modelled exception's (e.g. ...Exception); Code is the raw one.
    return { ok: false, code: e.Code ?? e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
}

async function cli(creds: Awaited<ReturnType<typeof agentCredentials>>, call: 'whoami' | { role: string; duration?: number; tags?: boolean }): Promise<Answer> {
  const args = call === 'whoami'
    ? ['sts', 'get-caller-identity']
    : ['sts', 'assume-role', '--role-arn', call.role, '--role-session-name', 'fidelity', '--duration-seconds', String(call.duration ?? 3600),
      ...(call.tags ? ['--tags', 'Key=gateway-doctor,Value=probe'] : [])];
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', AWS_CA_BUNDLE: process.env.AWS_CA_BUNDLE ?? '',
    AWS_DEFAULT_REGION: region, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_SESSION_TOKEN: creds.sessionToken, AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1', AWS_STS_REGIONAL_ENDPOINTS: 'regional',
  };
  try {
    const { stdout } = await run('/usr/bin/aws', [...args, '--output', 'json'], { env, timeout: 60_000 });
    const j = JSON.parse(stdout);
    return call === 'whoami'
      ? { ok: true, arn: j.Arn, account: j.Account, userId: j.UserId }
      : { ok: true, arn: j.AssumedRoleUser?.Arn, packed: j.PackedPolicySize };
  } catch (e: any) {
    const m = /An error occurred \(([^)]+)\) when calling the \w+ operation(?: \(reached max retries: \d+\))?: (.*)/s.exec(String(e.stderr ?? ''));
    return m ? { ok: false, code: m[1], message: m[2].trim() } : { ok: false, code: 'CLI_FAILED', message: String(e.stderr ?? e.message).slice(0, 500) };
  }
}

const creds = await agentCredentials();
const calls = {
  whoami: 'whoami' as const,
  selfAssume: { role: roleArn, tags: true },
  denied: { role: deniedRoleArn },
  chainedTooLong: { role: roleArn, duration: 7200, tags: true },
};
const out: Record<string, { sdk: Answer; cli: Answer }> = {};
for (const [name, call] of Object.entries(calls)) out[name] = { sdk: await sdk(creds, call), cli: await cli(creds, call) };
process.stdout.write(JSON.stringify(out) + '\n');

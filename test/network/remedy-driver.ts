// Runs INSIDE a pod sandbox (test/network/remedy.test.ts). Runs the static network probes, takes the
// `aws ec2 authorize-security-group-ingress ...` command the product printed, tries it with the pod's own
// credentials (the stand-in must refuse), runs it exactly as printed with /usr/bin/aws under the harness's
// credentials (HARNESS_ACCESS_KEY_ID / HARNESS_SECRET_ACCESS_KEY), then runs the static probes again.
// Prints one JSON object.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ONLY = 'identity.caller,services.redshift,network.security-groups,network.path,network.dns,network.tcp';
const code = process.argv[2] ?? 'SG_INGRESS_MISSING';

function product(): { exit: number; outcomes: any[] } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/bin.ts', 'run', '--config', '/etc/gateway-doctor/config.yaml', '--format', 'json', '--only', ONLY], { encoding: 'utf8', timeout: 60_000 });
  const report = JSON.parse(r.stdout);
  return { exit: r.status ?? -1, outcomes: report.outcomes };
}

/** The printed command, word for word; `aws` is Debian's CLI at /usr/bin/aws (a pip one may come first on PATH). */
function cliArgs(command: string): string[] {
  const words = command.trim().split(/\s+/);
  if (words[0] !== 'aws') throw new Error(`not an aws command: ${command}`);
  return words.slice(1);
}

function aws(args: string[], creds: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_SESSION_TOKEN?: string }) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', AWS_CA_BUNDLE: process.env.AWS_CA_BUNDLE ?? '', AWS_DEFAULT_REGION: process.env.AWS_REGION ?? 'us-east-1', ...creds };
  const r = spawnSync('/usr/bin/aws', args, { encoding: 'utf8', env, timeout: 60_000 });
  return { exit: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function podCredentials() {
  const token = readFileSync(process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE!, 'utf8').trim();
  const res = await fetch(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI!, { headers: { Authorization: token } });
  const body = (await res.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  return { AWS_ACCESS_KEY_ID: body.AccessKeyId, AWS_SECRET_ACCESS_KEY: body.SecretAccessKey, AWS_SESSION_TOKEN: body.Token };
}

const before = product();
const finding = before.outcomes.find((o) => o.probe === 'network.security-groups' && o.code === code);
const command: string | undefined = finding?.remedy?.commands?.[0];
// The live failure carries the same fix, so a user reading only the TCP timeout can paste it.
const tcpTimeout = before.outcomes.find((o) => o.probe === 'network.tcp' && o.code === 'TCP_TIMEOUT');
const out: Record<string, unknown> = { before: before.outcomes.map((o) => `${o.probe} ${o.status} ${o.code}`), command, tcpCommands: tcpTimeout?.remedy?.commands ?? null };
if (command) {
  const args = cliArgs(command);
  const pod = aws(args, await podCredentials());
  out.podAttempt = { exit: pod.exit, stderr: pod.stderr.trim() };
  const harness = aws(args, { AWS_ACCESS_KEY_ID: process.env.HARNESS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: process.env.HARNESS_SECRET_ACCESS_KEY! });
  out.harness = { exit: harness.exit, stdout: harness.stdout.trim(), stderr: harness.stderr.trim() };
  out.after = product().outcomes.map((o) => `${o.probe} ${o.status} ${o.code}`);
}
process.stdout.write(JSON.stringify(out));

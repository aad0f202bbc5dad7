// Against the AWS CLI (issue 9 item 2): the checks the setup guide has an engineer run by hand, with Debian's
// AWS CLI 2.9 (/usr/bin/aws) in the pod — fetch the Pod Identity credentials from the agent with curl and export
// them (the CLI 2.9 cannot read them itself), then get-caller-identity, the self assume-role, assume-role with a
// session tag, get-secret-value, eks describe-cluster, ec2 describe-security-groups, redshift describe-clusters —
// against gateway-doctor's full suite, and against gateway-doctor limited to the probes that do those same checks,
// in ONE pod sandbox on one world and stand-in: the three alternate as steps, medians over --runs. The CLI's
// output goes to /dev/null (the secret's value included); each command must succeed or the step fails.
//
//   node --import tsx bench/vs-cli.ts [--runs 5] [--world test/worlds/healthy-basic.yaml] [--write]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { CONFIG_PATH, REPO_ROOT, runInSandbox } from '../test/sandbox/index.ts';
import { loadWorld } from '../test/world/load.ts';
import { arg, median } from './args.ts';


const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function main(): Promise<number> {
  const runs = Math.max(1, Number(arg('runs', '5')) || 5);
  const worldPath = resolve(REPO_ROOT, arg('world', 'test/worlds/healthy-basic.yaml'));
  const { world } = loadWorld(worldPath);
  const gw = world.gateway as any;
  const role: string = gw.roleArn;
  const secret: string = gw.secrets[0];
  const cluster: string = gw.clusterName;
  const redshiftId: string = gw.targets.find((t: any) => t.redshiftClusterId)?.redshiftClusterId;
  const rs = ((world as any).redshift?.Clusters ?? []).find((c: any) => c.ClusterIdentifier === redshiftId);
  const sg: string = rs?.VpcSecurityGroups?.[0]?.VpcSecurityGroupId ?? (world as any).ec2?.SecurityGroups?.[0]?.GroupId;
  if (!role || !secret || !cluster || !redshiftId || !sg) throw new Error('the world needs a role, a secret, a cluster, a Redshift target and a security group');

  const checks: Array<[string, string]> = [
    ['get-caller-identity', 'sts get-caller-identity'],
    ['assume-role (self)', `sts assume-role --role-arn ${q(role)} --role-session-name self-check`],
    ['assume-role (with a tag)', `sts assume-role --role-arn ${q(role)} --role-session-name tag-check --tags Key=gateway-doctor,Value=probe`],
    ['get-secret-value', `secretsmanager get-secret-value --secret-id ${q(secret)}`],
    ['eks describe-cluster', `eks describe-cluster --name ${q(cluster)}`],
    ['ec2 describe-security-groups', `ec2 describe-security-groups --group-ids ${q(sg)}`],
    ['redshift describe-clusters', `redshift describe-clusters --cluster-identifier ${q(redshiftId)}`],
  ];
  const script = [
    'set -eu',
    'ms() { echo $(( $(date +%s%N) / 1000000 )); }',
    't0=$(ms)',
    'tok=$(cat "$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")',
    'creds=$(curl -sf -H "Authorization: $tok" "$AWS_CONTAINER_CREDENTIALS_FULL_URI")',
    'export AWS_ACCESS_KEY_ID=$(printf %s "$creds" | jq -r .AccessKeyId)',
    'export AWS_SECRET_ACCESS_KEY=$(printf %s "$creds" | jq -r .SecretAccessKey)',
    'export AWS_SESSION_TOKEN=$(printf %s "$creds" | jq -r .Token)',
    'unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    `export AWS_DEFAULT_REGION=${q(world.region)} AWS_PAGER= AWS_STS_REGIONAL_ENDPOINTS=regional`,
    't1=$(ms); echo "TIMING credentials from the agent $((t1 - t0))" >&2',
    ...checks.flatMap(([name, cmd]) => [
      `a=$(ms); /usr/bin/aws ${cmd} --output json > /dev/null; b=$(ms); echo "TIMING ${name} $((b - a))" >&2`,
    ]),
    'echo "TIMING total $(( $(ms) - t0 ))" >&2',
  ].join('\n');

  const gd = (extra: string[]) => [process.execPath, '--import', 'tsx', 'packages/cli/src/bin.ts', 'run', '--config', CONFIG_PATH, '--format', 'json', ...extra];
  const same = ['identity.caller', 'identity.self-assume', 'identity.tag-session', 'secrets.read', 'eks.association', 'network.security-groups', 'services.redshift'];
  const kinds = [
    { name: 'AWS CLI 2.9, the 7 checks by hand (+ curl to the agent)', cmd: ['bash', '-c', script] },
    { name: 'gateway-doctor, full suite (every probe)', cmd: gd([]) },
    { name: `gateway-doctor --only the probes doing those checks (${same.length})`, cmd: gd(['--only', same.join(',')]) },
  ];
  const steps = Array.from({ length: runs }, (_, i) => (i % 2 ? [...kinds].reverse() : kinds)).flat().map((k) => ({ cmd: k.cmd }));
  const result = await runInSandbox({ world, steps, timeoutMs: 900_000 });
  const wall = new Map<string, number[]>(kinds.map((k) => [k.name, []]));
  const perCheck = new Map<string, number[]>();
  const exits = new Map<string, Set<number>>(kinds.map((k) => [k.name, new Set()]));
  result.steps.forEach((step) => {
    const kind = kinds.find((k) => k.cmd === undefined || JSON.stringify(k.cmd) === JSON.stringify(step.cmd))!;
    exits.get(kind.name)!.add(step.exitCode);
    if (kind === kinds[0] && step.exitCode !== 0) {
      process.stderr.write(`the CLI step failed (exit ${step.exitCode}):\n${step.stderr.slice(-3000)}\n`);
      return;
    }
    wall.get(kind.name)!.push(step.durationMs);
    if (kind === kinds[0]) {
      for (const line of step.stderr.split('\n')) {
        const m = /^TIMING (.+) (\d+)$/.exec(line);
        if (m) perCheck.set(m[1]!, [...(perCheck.get(m[1]!) ?? []), Number(m[2])]);
      }
    }
  });
  const cliMs = median(wall.get(kinds[0]!.name)!);
  const rows = kinds.map((k) => {
    const ms = median(wall.get(k.name)!);
    return `| ${k.name} | ${Math.round(ms)} ms | ${(ms / cliMs).toFixed(2)} | ${[...exits.get(k.name)!].join(', ')} |`;
  });
  const breakdown = [...perCheck.entries()].map(([name, v]) => `| ${name} | ${Math.round(median(v))} ms |`);
  const probes = JSON.parse(result.steps.find((s) => JSON.stringify(s.cmd) === JSON.stringify(kinds[1]!.cmd))?.stdout || '{"outcomes":[]}').outcomes.length;
  const table = [
    `One pod sandbox on \`${worldPath.slice(REPO_ROOT.length + 1)}\` (no added latency: the stand-in on the sandbox's loopback), the three alternating, medians of ${runs} runs each, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPUs at load average ${loadavg()[0]!.toFixed(1)}.`,
    '',
    '| what | wall time | ratio to the CLI | exit codes |',
    '|---|--:|--:|---|',
    ...rows,
    '',
    `The full suite decides ${probes} outcomes (trust and permission analysis, DNS, TCP, egress, CloudTrail… that the 7 commands do not look at); the \`--only\` row runs the ${same.length} probes that make those same calls and decide those same questions. Where the CLI's time goes (medians):`,
    '',
    '| step of the CLI script | time |',
    '|---|--:|',
    ...breakdown,
    '',
    'Each `/usr/bin/aws` process starts Python and loads botocore\'s service models before its one call; gateway-doctor starts once and makes its calls concurrently.',
  ].join('\n');
  process.stdout.write(`${table}\n`);
  if (process.argv.includes('--write')) {
    const file = resolve(REPO_ROOT, 'BENCHMARKS.md');
    const begin = '<!-- vs-cli:begin -->';
    const end = '<!-- vs-cli:end -->';
    const section = `${begin}\n${table}\n\nReproduce: \`node --import tsx bench/vs-cli.ts --runs ${runs} --write\`\n${end}`;
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
    const next = current.includes(begin)
      ? current.slice(0, current.indexOf(begin)) + section + current.slice(current.indexOf(end) + end.length)
      : `${current.trimEnd()}\n\n## Against the AWS CLI\n\n${section}\n`;
    writeFileSync(file, next);
  }
  return 0;
}

process.exitCode = await main();

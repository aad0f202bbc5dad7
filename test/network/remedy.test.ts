// Remedies proven: the `aws ec2 authorize-security-group-ingress ...` line the product prints, run exactly as
// printed with Debian's AWS CLI against the stand-in under the harness's credentials, succeeds — the stand-in
// refuses it from the pod's own credentials — and afterwards the static probes pass on the updated documents.
import t from 'tap';
import { runInSandbox } from '../sandbox/index.ts';

const cases = [
  { world: 'test/worlds/c33-sg-no-rule-for-5439.yaml', code: 'SG_INGRESS_MISSING', group: 'sg-0d3f8a6b2c1e49e07', source: 'sg-0c1a5e7f3b9d20a41' },
  { world: 'test/worlds/c32-sg-source-not-carried.yaml', code: 'SG_SOURCE_NOT_CARRIED', group: 'sg-0d3f8a6b2c1e49e07', source: 'sg-0e7a9c3b5d1f20c64' },
];

for (const c of cases) {
  t.test(`${c.code} (${c.world})`, async (t) => {
    const run = await runInSandbox({
      world: c.world,
      steps: [
        {
          cmd: [process.execPath, '--import', 'tsx', 'test/network/remedy-driver.ts', c.code],
          env: { HARNESS_ACCESS_KEY_ID: '{{harness.accessKeyId}}', HARNESS_SECRET_ACCESS_KEY: '{{harness.secretAccessKey}}' },
        },
      ],
      timeoutMs: 120_000,
    });
    t.equal(run.exitCode, 0, 'driver ran: ' + run.stderr.slice(0, 400));
    const out = JSON.parse(run.stdout);
    t.ok(out.before.includes(`network.security-groups fail ${c.code}`), 'the finding before');
    t.equal(out.command, `aws ec2 authorize-security-group-ingress --group-id ${c.group} --protocol tcp --port 5439 --source-group ${c.source} --region us-east-1`, 'the printed command names the real ids');
    t.same(out.tcpCommands, [out.command], 'the TCP_TIMEOUT outcome carries the same command');
    t.not(out.podAttempt.exit, 0, 'refused with the pod’s own credentials');
    t.match(out.podAttempt.stderr, /UnauthorizedOperation/);
    t.equal(out.harness.exit, 0, 'succeeds as printed under the harness credentials: ' + out.harness.stderr);
    t.match(out.harness.stdout, /"Return": true/);
    t.ok(out.after.includes('network.security-groups pass OK'), 'security groups pass afterwards: ' + out.after.join('; '));
    t.ok(out.after.includes('network.path pass OK'), 'path passes');
    const writes = run.requests.filter((r: any) => r.operation === 'AuthorizeSecurityGroupIngress');
    t.same(writes.map((r: any) => [r.harness, r.decision]), [[false, 'deny'], [true, 'allow']], 'the stand-in logged the refusal and the harness call');
  });
}

t.test('laptop mode: the static probes reach the same diagnosis with --pod-ip, and say when they assume the cluster SG', async (t) => {
  const args = (extra: string[]) => ['run', '--config', '/etc/gateway-doctor/config.yaml', '--format', 'json', '--where', 'laptop', '--only', 'identity.caller,services.redshift,network.security-groups,network.path,network.tcp', ...extra];
  const run = await runInSandbox({
    world: 'test/worlds/c32-sg-source-not-carried.yaml',
    steps: [
      [process.execPath, '--import', 'tsx', 'packages/cli/src/bin.ts', ...args(['--pod-ip', '10.0.3.17'])],
      [process.execPath, '--import', 'tsx', 'packages/cli/src/bin.ts', ...args([])],
    ],
    timeoutMs: 120_000,
  });
  const [withIp, without] = run.steps.map((s) => JSON.parse(s.stdout).outcomes as any[]);
  const sg = (o: any[]) => o.find((x) => x.probe === 'network.security-groups');
  t.equal(sg(withIp!).code, 'SG_SOURCE_NOT_CARRIED');
  t.match(sg(withIp!).summary, /\(--pod-ip\)/);
  t.equal(withIp!.find((x) => x.probe === 'network.tcp').code, 'NOT_APPLICABLE', 'the live probe needs the pod');
  // Without --pod-ip it can only reason from the cluster SG — which the rule admits — and it says so.
  t.equal(sg(without!).code, 'OK');
  t.match(sg(without!).summary, /laptop without --pod-ip/);
});

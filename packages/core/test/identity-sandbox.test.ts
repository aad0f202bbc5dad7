// End to end inside the pod sandbox, for what a world file cannot express: a pod whose container credential
// variables were set by hand. The product runs unchanged; the SDK refuses the URI before sending anything, and
// the sandbox has no route out anyway.
import t from 'tap';
import { runInSandbox } from '../../../test/sandbox/index.ts';
import { parseReport } from '../../../test/scenario/run.ts';

t.test('a hand-set AWS_CONTAINER_CREDENTIALS_FULL_URI the SDK rejects', async (t) => {
  const result = await runInSandbox({
    world: 'test/worlds/healthy-basic.yaml',
    env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://10.0.3.5:2703/v1/credentials' },
  });
  const report = parseReport(result);
  const outcome = (probe: string) => report.outcomes.filter((o) => o.probe === probe).map((o) => [o.status, o.code, ...(o.causes ?? [])]);
  t.same(outcome('identity.env'), [['fail', 'FULL_URI_UNEXPECTED']]);
  t.same(outcome('identity.agent'), [['skip', 'NOT_APPLICABLE']], 'the probe does not call a URI the SDK refuses');
  t.same(outcome('identity.caller'), [['fail', 'CREDENTIALS_UNAVAILABLE', 'FULL_URI_UNEXPECTED']]);
  t.notOk(
    result.requests.some((r) => r.service === 'pod-identity-agent'),
    'nothing reached the agent',
  );
});

t.test('laptop mode (C02): the engineer is shown, pod-only probes name where they run, the association is missing', async (t) => {
  const { loadWorld } = await import('../../../test/world/load.ts');
  const { readPolicy } = await import('../src/templates/policies.ts');
  const { world } = await loadWorld('test/worlds/c02-association-other-service-account.yaml');
  // The engineer's credentials, as on a laptop: keys carrying a platform role with the diagnostic's read policy.
  const engineer = 'arn:aws:iam::111122223333:role/platform-engineer';
  world.pod.injected = 'static-keys';
  world.pod.staticKeysFor = engineer;
  world.iam!.RoleDetailList!.push({
    RoleName: 'platform-engineer',
    Arn: engineer,
    RoleId: 'AROAQXG5EXAMPLEPLAT1',
    Path: '/',
    AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }] },
    RolePolicyList: [{ PolicyName: 'gateway-doctor-read', PolicyDocument: readPolicy() as unknown as Record<string, unknown> }],
  });
  const result = await runInSandbox({
    world,
    args: ['run', '--config', '/etc/gateway-doctor/config.yaml', '--format', 'json', '--where', 'laptop'],
  });
  const report = parseReport(result);
  t.equal(report.context.where, 'laptop');
  const caller = report.outcomes.find((o) => o.probe === 'identity.caller');
  t.equal(caller?.status, 'pass', 'any identity passes on a laptop');
  t.match(caller?.summary, /assumed-role\/platform-engineer\//, 'and shows who the engineer is');
  for (const id of ['identity.env', 'identity.agent', 'identity.self-assume', 'identity.tag-session']) {
    const o = report.outcomes.find((x) => x.probe === id);
    t.same([o?.status, o?.code], ['skip', 'NOT_APPLICABLE'], `${id} is pod-only`);
    t.match(o?.summary, /gateway-doctor cluster/, `${id} names the command that runs it in the pod`);
  }
  const association = report.outcomes.find((o) => o.probe === 'eks.association');
  t.same([association?.status, association?.code], ['fail', 'ASSOCIATION_MISSING'], 'the static check finds no association for xpander/ai-gateway (CASES.md C02, laptop mode)');
});

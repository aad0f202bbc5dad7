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

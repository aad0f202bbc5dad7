// identity.self-assume: the gateway re-assumes its own role exactly as it does at run time — from the Pod
// Identity session, no ExternalId, no tags of its own, DurationSeconds = sessionDurationSeconds. The Pod Identity
// session's transitive tags ride along anyway, so the trust must allow sts:TagSession too.
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { assumeOwnRole, POLICY_PROBES } from './assume.ts';

export const meta = {
  id: 'identity.self-assume',
  title: 'The role can re-assume itself',
  area: 'identity',
  podOnly: true,
  needs: ['identity.caller'],
  after: POLICY_PROBES,
  docs: 'docs/probes/identity.self-assume.md',
} satisfies ProbeMeta;

export async function run(ctx: ProbeContext): Promise<Finding> {
  const result = await assumeOwnRole(ctx, { mode: 'self', sessionName: 'gateway-doctor-self-assume' });
  if (!result.ok) return result.finding;
  return {
    code: 'OK',
    summary: `The role re-assumed itself (DurationSeconds=${ctx.config.sessionDurationSeconds}) as ${String(result.evidence.assumedRoleArn ?? ctx.config.roleArn)}`,
    evidence: result.evidence,
  };
}

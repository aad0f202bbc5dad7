// identity.tag-session: the gateway's re-assume with its configured session tags (sts:TagSession on top of the
// transitive Pod Identity tags). A configured key that Pod Identity already set is caught before the call and
// again from STS's answer.
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { assumeOwnRole, POLICY_PROBES, tagConflictRemedy } from './assume.ts';
import { conflictingTagKeys } from './classify.ts';

export const meta = {
  id: 'identity.tag-session',
  title: 'The role can be assumed with the configured session tags',
  area: 'identity',
  podOnly: true,
  needs: ['identity.caller'],
  after: POLICY_PROBES,
  docs: 'docs/probes/identity.tag-session.md',
} satisfies ProbeMeta;

export async function run(ctx: ProbeContext): Promise<Finding | Finding[]> {
  const tags = ctx.config.sessionTags ?? {};
  if (Object.keys(tags).length === 0) {
    return {
      code: 'NOT_APPLICABLE',
      summary: 'No sessionTags configured: the gateway passes no tags of its own (identity.self-assume covers the transitive Pod Identity tags)',
      evidence: { sessionTagKeys: [] },
    };
  }
  const conflicts = conflictingTagKeys(tags);
  const result = await assumeOwnRole(ctx, { mode: 'tags', sessionName: 'gateway-doctor-tag-session', tags });
  if (result.ok) {
    return {
      code: 'OK',
      summary: `The role was assumed with session tags ${Object.keys(tags).join(', ')}${
        conflicts.length ? ` (STS accepted ${conflicts.join(', ')}: this session carries no Pod Identity tags, session tags are disabled on the association)` : ''
      }`,
      evidence: { ...result.evidence, ...(conflicts.length ? { reservedKeysAccepted: conflicts } : {}) },
    };
  }
  if (conflicts.length === 0 || result.code === 'TAG_KEY_CONFLICT') return result.finding;
  // STS refused for another reason first; the conflicting key is a finding of its own, established from the config.
  return [
    result.finding,
    {
      code: 'TAG_KEY_CONFLICT',
      summary: `sessionTags sets ${conflicts.join(', ')}, which the Pod Identity session already carries as transitive tags: STS refuses to set them again on the chained call`,
      evidence: { conflictingKeys: conflicts, tagKeys: Object.keys(tags) },
      remedy: tagConflictRemedy(Object.keys(tags)),
    },
  ];
}

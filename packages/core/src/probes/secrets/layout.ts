// secrets.layout: static checks of how the configured secrets are named — one ARN each (never a pattern) and a
// name under an environment prefix (`<prefix>/prod/…`, `<prefix>/staging/…`) so policies can scope per
// environment. Needs no AWS call; runs on a laptop too.
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { layoutIssues, parseSecretArn } from './classify.ts';

export const meta = {
  id: 'secrets.layout',
  title: 'Secrets are configured as ARNs under environment prefixes',
  area: 'secrets',
  docs: 'docs/probes/secrets.layout.md',
  subjects: (config) => config.secrets.map((subject) => ({ subject })),
} satisfies ProbeMeta;

export async function run(ctx: ProbeContext): Promise<Finding[]> {
  const configured = ctx.subject ?? '';
  const defaultPrefix = ctx.config.roleArn.split('/').pop() || 'gateway';
  const issues = layoutIssues(configured, defaultPrefix);
  const arn = parseSecretArn(configured);
  if (issues.length === 0) {
    return [
      {
        code: 'OK',
        summary: `${arn?.name ?? configured} is one ARN under an environment prefix`,
        evidence: { name: arn?.name ?? null, hasSuffix: Boolean(arn?.suffix) },
      },
    ];
  }
  return issues.map((issue) => ({
    code: 'SECRET_NAMING',
    summary: issue.explains,
    evidence: { kind: issue.kind, name: arn?.name ?? null, suggestions: issue.suggestions },
    remedy: {
      text:
        issue.kind === 'pattern'
          ? `Configure each secret by its full ARN instead of a pattern, e.g. ${issue.suggestions.join(', ')}.`
          : `Create the secret under an environment prefix (e.g. ${issue.suggestions.join(' or ')}), scope the role's policy to that prefix, and point the gateway config at the new ARN.`,
      ...(issue.kind === 'no-environment-prefix' && arn
        ? {
            commands: [
              `aws secretsmanager create-secret --region ${arn.region} --name ${issue.suggestions[0]} --secret-string file://value.json`,
            ],
          }
        : {}),
    },
  }));
}

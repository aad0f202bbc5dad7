// Where the tool runs (DESIGN.md "Where it runs"): in a pod when Pod Identity or IRSA variables, or the
// Kubernetes service host, are present; otherwise on a laptop. `--where pod|laptop` overrides.
import type { Where } from './types.ts';

export function detectWhere(env: Readonly<Record<string, string | undefined>>, override?: Where): Where {
  if (override) return override;
  const set = (name: string) => typeof env[name] === 'string' && env[name] !== '';
  if (set('AWS_CONTAINER_CREDENTIALS_FULL_URI')) return 'pod';
  if (set('AWS_WEB_IDENTITY_TOKEN_FILE') || set('AWS_ROLE_ARN')) return 'pod';
  if (set('KUBERNETES_SERVICE_HOST')) return 'pod';
  return 'laptop';
}

export function isWhere(value: unknown): value is Where {
  return value === 'pod' || value === 'laptop';
}

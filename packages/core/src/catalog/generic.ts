// Codes any probe may emit (CATALOG.md, "Statuses, needs, subjects").
import type { CodeTable } from './types.ts';

export const genericCodes = {
  OK: { status: 'pass', title: 'Checked, nothing wrong' },
  NEEDS_UNMET: { status: 'skip', title: 'A probe this one needs did not succeed' },
  NOT_APPLICABLE: { status: 'skip', title: 'Nothing to check here' },
  PROBE_TIMEOUT: { status: 'error', title: 'The probe did not finish within its deadline' },
  PROBE_CRASHED: { status: 'error', title: 'The probe itself failed unexpectedly' },
  THROTTLED: { status: 'error', title: 'AWS throttled the request' },
  SERVICE_ERROR: { status: 'error', title: 'AWS answered with a server error (5xx)' },
  MALFORMED_RESPONSE: { status: 'error', title: 'The answer could not be parsed' },
  AWS_ENDPOINT_UNREACHABLE: { status: 'fail', title: "The service's API endpoint cannot be reached from here" },
  READ_DENIED: { status: 'warn', title: 'The diagnostic may not read what it needs' },
} satisfies CodeTable;

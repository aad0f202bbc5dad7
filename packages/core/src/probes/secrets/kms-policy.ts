// A small, explaining check of a KMS key policy for one question: may this role use kms:Decrypt on the key
// when Secrets Manager asks on its behalf? Used by secrets.read after a live "Access to KMS is not allowed" to say
// whether the key policy or the role's own policy lacks the grant.
// KMS rule (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html): the key policy is
// the primary control; no IAM policy works unless the key policy allows it, directly or by delegating to IAM
// with a statement whose principal is the account (`arn:aws:iam::ACCT:root`).

export type KeyPolicyVerdict =
  /** The key policy names the role (or its session) for kms:Decrypt: the key policy is not the gap. */
  | 'grants-role'
  /** Only the account-root statement covers kms:Decrypt: the role's IAM policy must allow it. */
  | 'delegates-to-iam'
  /** Nothing in the key policy admits the role for kms:Decrypt. */
  | 'no-grant'
  /** A Deny statement in the key policy matches. */
  | 'denies'
  | 'unreadable';

export interface KeyPolicyCheck {
  verdict: KeyPolicyVerdict;
  /** Sid or `Statement[i]` of the statement that decided, when one did. */
  statement?: string;
  explains: string;
}

export interface DecryptRequest {
  roleArn: string;
  /** The assumed-role session ARN the request is made with (aws:PrincipalArn is the role ARN). */
  sessionArn?: string;
  accountId: string;
  region: string;
  secretArn?: string;
}

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export function checkKeyPolicyDecrypt(policy: unknown, req: DecryptRequest): KeyPolicyCheck {
  const doc = typeof policy === 'string' ? safeParse(policy) : policy;
  const statements = statementsOf(doc);
  if (!statements) return { verdict: 'unreadable', explains: 'the key policy could not be parsed' };
  const context = contextFor(req);
  let delegating: string | undefined;
  let granting: string | undefined;
  for (const [i, s] of statements.entries()) {
    const label = s.Sid ? `Sid "${s.Sid}"` : `Statement[${i}]`;
    if (!actionMatches(s, 'kms:Decrypt')) continue;
    const who = principalMatch(s.Principal, req);
    if (!who) continue;
    const cond = conditionsHold(s.Condition, context);
    if (cond === false) continue;
    if ((s.Effect ?? '').toLowerCase() === 'deny') {
      return { verdict: 'denies', statement: label, explains: `${label} denies kms:Decrypt to ${who === 'root' ? 'the account' : 'the role'}` };
    }
    if (who === 'root') delegating ??= label;
    else granting ??= label;
  }
  if (granting) return { verdict: 'grants-role', statement: granting, explains: `${granting} allows the role kms:Decrypt` };
  if (delegating) {
    return {
      verdict: 'delegates-to-iam',
      statement: delegating,
      explains: `${delegating} delegates to IAM (principal arn:aws:iam::${req.accountId}:root): the role's own policy must allow kms:Decrypt on the key`,
    };
  }
  return { verdict: 'no-grant', explains: 'no statement allows kms:Decrypt to the role or delegates to IAM through the account root' };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function statementsOf(doc: unknown): Statement[] | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  const st = (doc as { Statement?: unknown }).Statement;
  if (Array.isArray(st)) return st as Statement[];
  if (st && typeof st === 'object') return [st as Statement];
  return undefined;
}

function list(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const re = new RegExp(
    '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$',
    caseInsensitive ? 'i' : '',
  );
  return re.test(value);
}

function actionMatches(s: Statement, action: string): boolean {
  if (s.NotAction !== undefined) return !list(s.NotAction).some((p) => wildcard(p, action, true));
  return list(s.Action).some((p) => wildcard(p, action, true));
}

/** 'role' when the principal names the role, its session or everyone; 'root' for the account; else undefined. */
function principalMatch(principal: unknown, req: DecryptRequest): 'role' | 'root' | undefined {
  if (principal === '*') return 'role';
  if (!principal || typeof principal !== 'object') return undefined;
  const aws = list((principal as { AWS?: unknown }).AWS);
  let root = false;
  for (const p of aws) {
    if (p === '*' || p === req.roleArn || (req.sessionArn && p === req.sessionArn)) return 'role';
    if (p === `arn:aws:iam::${req.accountId}:root` || p === req.accountId) root = true;
  }
  return root ? 'root' : undefined;
}

function contextFor(req: DecryptRequest): Record<string, string> {
  const ctx: Record<string, string> = {
    'kms:viaservice': `secretsmanager.${req.region}.amazonaws.com`,
    'kms:calleraccount': req.accountId,
    'aws:principalarn': req.roleArn,
    'aws:principalaccount': req.accountId,
  };
  if (req.secretArn) ctx['kms:encryptioncontext:secretarn'] = req.secretArn;
  return ctx;
}

/** true/false when every condition is decidable from what we know; undefined treated as holding (benefit of doubt). */
function conditionsHold(condition: Statement['Condition'], context: Record<string, string>): boolean | undefined {
  if (!condition) return true;
  for (const [rawOp, block] of Object.entries(condition)) {
    const ifExists = rawOp.endsWith('IfExists');
    const op = rawOp.replace(/IfExists$/, '').replace(/^For(Any|All)Value:/, '');
    for (const [rawKey, expected] of Object.entries(block ?? {})) {
      const key = rawKey.toLowerCase();
      const actual = context[key];
      if (actual === undefined) {
        if (ifExists) continue;
        return undefined;
      }
      const values = list(expected);
      let ok: boolean;
      switch (op) {
        case 'StringEquals':
        case 'ArnEquals':
          ok = values.includes(actual);
          break;
        case 'StringEqualsIgnoreCase':
          ok = values.some((v) => v.toLowerCase() === actual.toLowerCase());
          break;
        case 'StringLike':
        case 'ArnLike':
          ok = values.some((v) => wildcard(v, actual, false));
          break;
        case 'StringNotEquals':
        case 'ArnNotEquals':
          ok = !values.includes(actual);
          break;
        case 'StringNotLike':
        case 'ArnNotLike':
          ok = !values.some((v) => wildcard(v, actual, false));
          break;
        default:
          return undefined;
      }
      if (!ok) return false;
    }
  }
  return true;
}

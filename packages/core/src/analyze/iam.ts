// Our own evaluator of the IAM policy grammar: parse a policy document into normalised statements and decide a
// request against it (Principal, Action/NotAction, Resource/NotResource, Condition, explicit Deny precedence).
// Every decision carries `explains`, produced by the same code that decided (see STYLE.md). Written from AWS's
// documentation: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html and
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html

export type Effect = 'Allow' | 'Deny';

export interface PrincipalSet {
  /** `"Principal": "*"` */
  any: boolean;
  aws: string[];
  service: string[];
  federated: string[];
  canonicalUser: string[];
}

export interface ConditionClause {
  /** The operator as written, e.g. `ForAnyValue:StringEqualsIfExists`. */
  operator: string;
  key: string;
  values: string[];
}

export interface Statement {
  index: number;
  sid?: string;
  effect: Effect;
  principal?: PrincipalSet;
  notPrincipal?: PrincipalSet;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  conditions: ConditionClause[];
  /** The statement exactly as written. */
  raw: Record<string, unknown>;
}

export interface Policy {
  version?: string;
  id?: string;
  statements: Statement[];
  raw: Record<string, unknown>;
}

export interface ParseIssue {
  /** JSON pointer into the document, e.g. `/Statement/1/Principal`. */
  pointer: string;
  statementIndex?: number;
  sid?: string;
  message: string;
}

/** The caller as a resource policy (trust, key policy) sees it. */
export interface RequestPrincipal {
  kind: 'aws' | 'service';
  /** The caller's ARN (an assumed-role session ARN for a role session). */
  arn?: string;
  /** For a role session: the role's ARN (what `aws:PrincipalArn` carries). */
  roleArn?: string;
  accountId?: string;
  /** For a service principal, e.g. `pods.eks.amazonaws.com`. */
  service?: string;
  /** The principal's unique id (AROA… for a role). */
  uniqueId?: string;
}

export type ContextValue = string | string[];

export interface AuthRequest {
  principal?: RequestPrincipal;
  action: string;
  resource: string;
  /** Condition keys (any case) to their values. A key that is absent is absent from the request. */
  context: Record<string, ContextValue>;
  /**
   * Keys (lower case, or prefixes ending in `/`) whose value is not known here (offline: the pod's name); a
   * condition on them is reported as unknown and taken as met, so we never invent a failure.
   */
  unknownKeys?: string[];
}

export interface Explain {
  /** What was compared, e.g. `Action`, `Principal`, `Condition`. */
  element: string;
  matches: boolean;
  message: string;
  operator?: string;
  key?: string;
  expected?: string[];
  actual?: string[];
  /** The key's value was not known (treated as met). */
  unknown?: boolean;
}

export interface MatchResult {
  matches: boolean;
  explains: Explain[];
}

export interface StatementResult {
  statement: Statement;
  principalMatch: boolean;
  /** Which principal entry matched (`*`, an account, an ARN, a service). */
  principalVia?: { entry: string; scope: 'any' | 'account' | 'specific' | 'service' };
  actionMatch: boolean;
  resourceMatch: boolean;
  conditionMatch: boolean;
  /** The statement applies to the request: everything matched. */
  applies: boolean;
  explains: Explain[];
  /** Condition explains that did not match. */
  failedConditions: Explain[];
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export interface PolicyDecision {
  decision: Decision;
  allows: StatementResult[];
  denies: StatementResult[];
  results: StatementResult[];
}

// ---------------------------------------------------------------- parsing

function asList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

function scalarList(value: unknown): string[] | undefined {
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (scalar(value)) return [String(value)];
  if (Array.isArray(value) && value.every(scalar)) return value.map((v) => String(v));
  return undefined;
}

function parsePrincipal(value: unknown, pointer: string, issues: ParseIssue[], base: Omit<ParseIssue, 'pointer' | 'message'>): PrincipalSet | undefined {
  const set: PrincipalSet = { any: false, aws: [], service: [], federated: [], canonicalUser: [] };
  if (value === '*') {
    set.any = true;
    return set;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ ...base, pointer, message: 'Principal must be "*" or an object of AWS/Service/Federated/CanonicalUser' });
    return undefined;
  }
  for (const [kind, entries] of Object.entries(value as Record<string, unknown>)) {
    const list = asList(entries);
    if (!list) {
      issues.push({ ...base, pointer: `${pointer}/${kind}`, message: `Principal ${kind} must be a string or a list of strings` });
      continue;
    }
    switch (kind) {
      case 'AWS':
        set.aws.push(...list);
        break;
      case 'Service':
        set.service.push(...list);
        break;
      case 'Federated':
        set.federated.push(...list);
        break;
      case 'CanonicalUser':
        set.canonicalUser.push(...list);
        break;
      default:
        issues.push({ ...base, pointer: `${pointer}/${kind}`, message: `unknown principal type ${kind}` });
    }
  }
  return set;
}

/** Parses a policy document (object or JSON text). Structural problems are issues; a policy is returned when usable. */
export function parsePolicy(input: unknown): { policy?: Policy; issues: ParseIssue[] } {
  const issues: ParseIssue[] = [];
  let doc = input;
  if (typeof doc === 'string') {
    let text = doc.trim();
    if (text.startsWith('%7B') || text.startsWith('%7b')) text = decodeURIComponent(text);
    try {
      doc = JSON.parse(text);
    } catch (e) {
      issues.push({ pointer: '', message: `not valid JSON: ${(e as Error).message}` });
      return { issues };
    }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    issues.push({ pointer: '', message: 'a policy document must be a JSON object' });
    return { issues };
  }
  const raw = doc as Record<string, unknown>;
  const rawStatements = raw.Statement;
  if (rawStatements === undefined) {
    issues.push({ pointer: '/Statement', message: 'the document has no Statement' });
    return { issues };
  }
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  const single = !Array.isArray(rawStatements);
  const statements: Statement[] = [];
  list.forEach((item, index) => {
    const pointer = single ? '/Statement' : `/Statement/${index}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      issues.push({ pointer, statementIndex: index, message: 'a statement must be an object' });
      return;
    }
    const st = item as Record<string, unknown>;
    const sid = typeof st.Sid === 'string' ? st.Sid : undefined;
    const base = { statementIndex: index, sid };
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') {
      issues.push({ ...base, pointer: `${pointer}/Effect`, message: `Effect must be "Allow" or "Deny", not ${JSON.stringify(st.Effect)}` });
      return;
    }
    const statement: Statement = { index, sid, effect: st.Effect, conditions: [], raw: st };
    if (st.Principal !== undefined) statement.principal = parsePrincipal(st.Principal, `${pointer}/Principal`, issues, base);
    if (st.NotPrincipal !== undefined) statement.notPrincipal = parsePrincipal(st.NotPrincipal, `${pointer}/NotPrincipal`, issues, base);
    for (const [field, prop] of [
      ['Action', 'actions'],
      ['NotAction', 'notActions'],
      ['Resource', 'resources'],
      ['NotResource', 'notResources'],
    ] as const) {
      if (st[field] === undefined) continue;
      const values = asList(st[field]);
      if (!values) issues.push({ ...base, pointer: `${pointer}/${field}`, message: `${field} must be a string or a list of strings` });
      else statement[prop] = values;
    }
    if (!statement.actions && !statement.notActions) {
      issues.push({ ...base, pointer, message: 'the statement has neither Action nor NotAction' });
    }
    if (st.Condition !== undefined) {
      if (st.Condition === null || typeof st.Condition !== 'object' || Array.isArray(st.Condition)) {
        issues.push({ ...base, pointer: `${pointer}/Condition`, message: 'Condition must be an object' });
      } else {
        for (const [operator, block] of Object.entries(st.Condition as Record<string, unknown>)) {
          if (block === null || typeof block !== 'object' || Array.isArray(block)) {
            issues.push({ ...base, pointer: `${pointer}/Condition/${operator}`, message: 'a condition operator takes an object of keys' });
            continue;
          }
          if (!parseOperator(operator)) {
            issues.push({ ...base, pointer: `${pointer}/Condition/${operator}`, message: `unknown condition operator ${operator}` });
          }
          for (const [key, v] of Object.entries(block as Record<string, unknown>)) {
            const values = scalarList(v);
            if (!values) {
              issues.push({ ...base, pointer: `${pointer}/Condition/${operator}/${key}`, message: 'condition values must be scalars' });
              continue;
            }
            statement.conditions.push({ operator, key, values });
          }
        }
      }
    }
    statements.push(statement);
  });
  return {
    policy: { version: typeof raw.Version === 'string' ? raw.Version : undefined, id: typeof raw.Id === 'string' ? raw.Id : undefined, statements, raw },
    issues,
  };
}

/** One JSON-pointer segment (RFC 6901): `~` → `~0`, `/` → `~1` (condition keys like aws:RequestTag/x hold slashes). */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The segments of a JSON pointer, unescaped; numeric segments as numbers. */
export function pointerPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** JSON pointer of a statement in its document. */
export function statementPointer(policy: Policy, index: number): string {
  return Array.isArray(policy.raw.Statement) ? `/Statement/${index}` : '/Statement';
}

// ---------------------------------------------------------------- wildcards and ARNs

function globToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
}

/** `*` and `?` wildcards over the whole string. */
export function globMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) {
    return caseInsensitive ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  }
  return globToRegExp(pattern, caseInsensitive).test(value);
}

export function hasWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

/** Splits an ARN into its six parts (the last keeps its colons), or undefined for a non-ARN. */
export function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** ARN matching as Resource and ArnLike do it: each of the six parts separately, with wildcards. */
export function arnMatch(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = splitArn(pattern);
  const a = splitArn(arn);
  if (!p || !a) return globMatch(pattern, arn);
  return p.every((part, i) => globMatch(part, a[i]));
}

export function actionMatch(pattern: string, action: string): boolean {
  return globMatch(pattern, action, true);
}

export function accountOfArn(arn: string): string | undefined {
  return splitArn(arn)?.[4] || undefined;
}

/** The role name of `arn:aws:iam::A:role/path/name`. */
export function roleNameOfArn(roleArn: string): string {
  const resource = splitArn(roleArn)?.[5] ?? roleArn;
  const parts = resource.split('/');
  return parts[parts.length - 1];
}

export function partitionOfArn(arn: string): string {
  return splitArn(arn)?.[1] || 'aws';
}

/** A bare unique id (role AROA…, user AIDA…): what IAM shows once the principal it named was deleted. */
export function isUniqueId(value: string): boolean {
  return /^(AROA|AIDA|AGPA|ANPA|ANVA|AIPA|ASIA|AKIA)[A-Z0-9]{8,}$/.test(value);
}

export function isAccountPrincipal(entry: string): string | undefined {
  if (/^\d{12}$/.test(entry)) return entry;
  const m = /^arn:[a-z-]+:iam::(\d{12}):root$/.exec(entry);
  return m ? m[1] : undefined;
}

// ---------------------------------------------------------------- conditions

type BaseTest = (contextValue: string, policyValue: string) => boolean;

interface OperatorDef {
  name: string;
  negated: boolean;
  test: BaseTest;
}

const num = (v: string) => (v.trim() === '' ? NaN : Number(v));
const date = (v: string) => (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v));

function ipInCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => {
    const parts = a.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
    return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
  };
  const [base, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const a = toInt(ip);
  const b = toInt(base);
  if (a === undefined || b === undefined || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

const positive: Record<string, BaseTest> = {
  StringEquals: (c, p) => c === p,
  StringEqualsIgnoreCase: (c, p) => c.toLowerCase() === p.toLowerCase(),
  StringLike: (c, p) => globMatch(p, c),
  NumericEquals: (c, p) => num(c) === num(p),
  NumericLessThan: (c, p) => num(c) < num(p),
  NumericLessThanEquals: (c, p) => num(c) <= num(p),
  NumericGreaterThan: (c, p) => num(c) > num(p),
  NumericGreaterThanEquals: (c, p) => num(c) >= num(p),
  DateEquals: (c, p) => date(c) === date(p),
  DateLessThan: (c, p) => date(c) < date(p),
  DateLessThanEquals: (c, p) => date(c) <= date(p),
  DateGreaterThan: (c, p) => date(c) > date(p),
  DateGreaterThanEquals: (c, p) => date(c) >= date(p),
  Bool: (c, p) => c.toLowerCase() === p.toLowerCase(),
  BinaryEquals: (c, p) => c === p,
  IpAddress: (c, p) => ipInCidr(c, p),
  ArnEquals: (c, p) => arnMatch(p, c),
  ArnLike: (c, p) => arnMatch(p, c),
};

const negatedOf: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  NumericNotEquals: 'NumericEquals',
  DateNotEquals: 'DateEquals',
  NotIpAddress: 'IpAddress',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
};

export interface ParsedOperator {
  setOperator?: 'ForAnyValue' | 'ForAllValues';
  base: string;
  ifExists: boolean;
  negated: boolean;
  isNull: boolean;
}

export function parseOperator(operator: string): ParsedOperator | undefined {
  let rest = operator;
  let setOperator: ParsedOperator['setOperator'];
  const m = /^(ForAnyValue|ForAllValues):(.+)$/i.exec(rest);
  if (m) {
    setOperator = m[1].toLowerCase() === 'foranyvalue' ? 'ForAnyValue' : 'ForAllValues';
    rest = m[2];
  }
  let ifExists = false;
  if (/IfExists$/.test(rest) && rest !== 'IfExists') {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  if (rest === 'Null') return ifExists ? undefined : { setOperator, base: 'Null', ifExists, negated: false, isNull: true };
  if (positive[rest]) return { setOperator, base: rest, ifExists, negated: false, isNull: false };
  if (negatedOf[rest]) return { setOperator, base: rest, ifExists, negated: true, isNull: false };
  return undefined;
}

function operatorDef(op: ParsedOperator): OperatorDef {
  const test = positive[op.negated ? negatedOf[op.base] : op.base];
  return { name: op.base, negated: op.negated, test };
}

function lookup(context: Record<string, ContextValue>, key: string): string[] | undefined {
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) {
    if (k.toLowerCase() === lower) return Array.isArray(v) ? v : [v];
  }
  return undefined;
}

function isUnknownKey(unknownKeys: string[] | undefined, key: string): boolean {
  if (!unknownKeys) return false;
  const lower = key.toLowerCase();
  return unknownKeys.some((u) => (u.endsWith('/') ? lower.startsWith(u) : lower === u));
}

/** Replaces `${key}` policy variables with the request's values; `${*}`, `${?}`, `${$}` stand for the characters. */
export function substituteVariables(value: string, context: Record<string, ContextValue>): string {
  if (!value.includes('${')) return value;
  return value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name === '*' || name === '?' || name === '$') return name;
    const [key, fallback] = name.split(/,\s*/);
    const v = lookup(context, key.trim());
    if (v && v.length === 1) return v[0];
    if (fallback !== undefined) return fallback.replace(/^'|'$/g, '');
    return whole;
  });
}

/**
 * Evaluates one condition clause (one operator, one key) against the request context. A key whose value is not known
 * here is taken as met in an Allow and as not met in a Deny (`effect`), so an unknown never invents a failure.
 */
export function evaluateCondition(clause: ConditionClause, context: Record<string, ContextValue>, unknownKeys?: string[], effect: Effect = 'Allow'): Explain {
  const base = { element: 'Condition', operator: clause.operator, key: clause.key, expected: clause.values };
  const op = parseOperator(clause.operator);
  if (!op) return { ...base, matches: false, message: `unknown condition operator ${clause.operator}: IAM rejects the policy` };
  if (isUnknownKey(unknownKeys, clause.key)) {
    const met = effect === 'Allow';
    return { ...base, matches: met, unknown: true, message: `${clause.key} is not known here; taken as ${met ? 'met (Allow)' : 'not met (Deny)'}` };
  }
  const actual = lookup(context, clause.key);
  const present = actual !== undefined && actual.length > 0;
  const explain = (matches: boolean, message: string): Explain => ({ ...base, actual, matches, message });

  if (op.isNull) {
    const wantAbsent = clause.values.some((v) => v.toLowerCase() === 'true');
    const matches = wantAbsent ? !present : present;
    return explain(matches, `${clause.key} is ${present ? 'present' : 'absent'}; Null ${clause.values.join(',')} ${matches ? 'holds' : 'does not hold'}`);
  }
  const def = operatorDef(op);
  const policyValues = clause.values.map((v) => substituteVariables(v, context));
  // A context value satisfies the operator: positive — it matches one of the values; negated — it matches none.
  const satisfies = (c: string) => {
    const hit = policyValues.some((p) => def.test(c, p));
    return def.negated ? !hit : hit;
  };

  if (!present) {
    if (op.ifExists) return explain(true, `${clause.key} is absent and ${clause.operator} takes an absent key as met`);
    if (op.setOperator === 'ForAllValues') return explain(true, `${clause.key} is absent: ForAllValues holds over an empty set`);
    if (op.setOperator === 'ForAnyValue') return explain(false, `${clause.key} is absent: ForAnyValue needs at least one value`);
    if (def.negated) return explain(true, `${clause.key} is absent and the negated ${def.name} takes that as met`);
    return explain(false, `${clause.key} is absent from the request`);
  }
  let matches: boolean;
  if (op.setOperator === 'ForAllValues') matches = actual.every(satisfies);
  else if (op.setOperator === 'ForAnyValue') matches = actual.some(satisfies);
  else matches = def.negated ? actual.every(satisfies) : actual.some(satisfies);
  return explain(
    matches,
    `${clause.key} = ${actual.join(', ')}; ${clause.operator} ${policyValues.join(', ')} ${matches ? 'holds' : 'does not hold'}`,
  );
}

// ---------------------------------------------------------------- principals, actions, resources

export function principalEntryScope(kind: 'AWS' | 'Service', entry: string): 'any' | 'account' | 'specific' | 'service' | 'invalid' {
  if (kind === 'Service') return 'service';
  if (entry === '*') return 'any';
  if (isAccountPrincipal(entry)) return 'account';
  if (hasWildcard(entry)) return 'invalid';
  return 'specific';
}

function matchPrincipalSet(set: PrincipalSet, who: RequestPrincipal | undefined): { matches: boolean; via?: StatementResult['principalVia'] } {
  if (!who) return { matches: false };
  if (set.any) return { matches: true, via: { entry: '*', scope: 'any' } };
  if (who.kind === 'service') {
    const hit = set.service.find((s) => s.toLowerCase() === (who.service ?? '').toLowerCase());
    return hit ? { matches: true, via: { entry: hit, scope: 'service' } } : { matches: false };
  }
  for (const entry of set.aws) {
    if (entry === '*') return { matches: true, via: { entry, scope: 'any' } };
    const account = isAccountPrincipal(entry);
    if (account) {
      if (account === who.accountId) return { matches: true, via: { entry, scope: 'account' } };
      continue;
    }
    if (hasWildcard(entry)) continue; // IAM rejects partial wildcards in Principal
    if (isUniqueId(entry)) {
      if (who.uniqueId && entry === who.uniqueId) return { matches: true, via: { entry, scope: 'specific' } };
      continue;
    }
    if (entry === who.arn || (who.roleArn && entry === who.roleArn)) return { matches: true, via: { entry, scope: 'specific' } };
  }
  return { matches: false };
}

function matchList(patterns: string[], value: string, matcher: (p: string, v: string) => boolean): string | undefined {
  return patterns.find((p) => matcher(p, value));
}

export interface EvaluateOptions {
  /** Resource policies (trust, key policy) name the principal; identity policies do not. */
  resourcePolicy?: boolean;
}

/** Decides whether one statement applies to the request, explaining each element. */
export function evaluateStatement(statement: Statement, request: AuthRequest, options: EvaluateOptions = {}): StatementResult {
  const explains: Explain[] = [];
  let principalMatch = true;
  let principalVia: StatementResult['principalVia'];
  if (options.resourcePolicy) {
    if (statement.principal) {
      const m = matchPrincipalSet(statement.principal, request.principal);
      principalMatch = m.matches;
      principalVia = m.via;
      explains.push({ element: 'Principal', matches: m.matches, message: m.matches ? `the principal matches ${m.via?.entry}` : 'the principal is not named' });
    } else if (statement.notPrincipal) {
      const m = matchPrincipalSet(statement.notPrincipal, request.principal);
      principalMatch = !m.matches;
      explains.push({ element: 'NotPrincipal', matches: principalMatch, message: principalMatch ? 'the principal is not excluded by NotPrincipal' : `NotPrincipal excludes ${m.via?.entry}` });
    } else {
      principalMatch = false;
      explains.push({ element: 'Principal', matches: false, message: 'the statement names no principal' });
    }
  }
  let actionOk: boolean;
  if (statement.actions) {
    const hit = matchList(statement.actions, request.action, actionMatch);
    actionOk = hit !== undefined;
    explains.push({ element: 'Action', matches: actionOk, message: actionOk ? `${request.action} matches ${hit}` : `${request.action} is not in Action`, expected: statement.actions, actual: [request.action] });
  } else if (statement.notActions) {
    const hit = matchList(statement.notActions, request.action, actionMatch);
    actionOk = hit === undefined;
    explains.push({ element: 'NotAction', matches: actionOk, message: actionOk ? `${request.action} is not excluded by NotAction` : `NotAction excludes ${request.action} (${hit})` });
  } else actionOk = false;

  let resourceOk = true;
  if (statement.resources) {
    const patterns = statement.resources.map((r) => substituteVariables(r, request.context));
    const hit = matchList(patterns, request.resource, arnMatch);
    resourceOk = hit !== undefined;
    explains.push({ element: 'Resource', matches: resourceOk, message: resourceOk ? `${request.resource} matches ${hit}` : `${request.resource} matches no Resource`, expected: statement.resources, actual: [request.resource] });
  } else if (statement.notResources) {
    const patterns = statement.notResources.map((r) => substituteVariables(r, request.context));
    const hit = matchList(patterns, request.resource, arnMatch);
    resourceOk = hit === undefined;
    explains.push({ element: 'NotResource', matches: resourceOk, message: resourceOk ? `${request.resource} is not excluded by NotResource` : `NotResource excludes ${request.resource}` });
  } else if (!options.resourcePolicy) {
    resourceOk = false; // an identity policy statement needs Resource or NotResource
    explains.push({ element: 'Resource', matches: false, message: 'the statement has no Resource' });
  }

  const conditionExplains = statement.conditions.map((c) => evaluateCondition(c, request.context, request.unknownKeys, statement.effect));
  explains.push(...conditionExplains);
  const failedConditions = conditionExplains.filter((e) => !e.matches);
  const conditionMatch = failedConditions.length === 0;
  return {
    statement,
    principalMatch,
    principalVia,
    actionMatch: actionOk,
    resourceMatch: resourceOk,
    conditionMatch,
    applies: principalMatch && actionOk && resourceOk && conditionMatch,
    explains,
    failedConditions,
  };
}

/** Decides a request against one policy: an applicable Deny wins, then an applicable Allow, else implicit deny. */
export function evaluatePolicy(policy: Policy, request: AuthRequest, options: EvaluateOptions = {}): PolicyDecision {
  const results = policy.statements.map((s) => evaluateStatement(s, request, options));
  const denies = results.filter((r) => r.applies && r.statement.effect === 'Deny');
  const allows = results.filter((r) => r.applies && r.statement.effect === 'Allow');
  return { decision: denies.length ? 'ExplicitDeny' : allows.length ? 'Allow' : 'ImplicitDeny', allows, denies, results };
}

/** Decides a request against several identity-style policies together (inline + managed). */
export function evaluatePolicies(policies: Policy[], request: AuthRequest, options: EvaluateOptions = {}): PolicyDecision {
  const decisions = policies.map((p) => evaluatePolicy(p, request, options));
  const denies = decisions.flatMap((d) => d.denies);
  const allows = decisions.flatMap((d) => d.allows);
  return { decision: denies.length ? 'ExplicitDeny' : allows.length ? 'Allow' : 'ImplicitDeny', allows, denies, results: decisions.flatMap((d) => d.results) };
}

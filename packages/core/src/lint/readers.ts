// Readers for `gateway-doctor lint`: each input kind (a policy JSON file, `aws iam get-role` output,
// `aws iam get-account-authorization-details` output, a Terraform plan from `terraform show -json`, a
// CloudFormation template in JSON or YAML) becomes the same list of roles and policy documents, each document
// remembering where it sits in its file so a finding can point at the file, line and statement.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import { accountOfArn, pointerPath } from '../analyze/iam.ts';

export type InputKind = 'policy' | 'get-role' | 'authorization-details' | 'terraform-plan' | 'cloudformation' | 'scp';

export interface SourcedDocument {
  document: unknown;
  file: string;
  /** Path of the document inside the file (keys and indexes). */
  path: (string | number)[];
  /** The document is a JSON string inside the file (Terraform, URL-encoded IAM output): positions stop at it. */
  embedded: boolean;
  /** A label for the SARIF logical location, e.g. `aws_iam_role.gateway` or `Resources.GatewayRole`. */
  label: string;
}

export interface LintPolicy extends SourcedDocument {
  kind: 'inline' | 'managed' | 'boundary' | 'scp';
  name: string;
  arn?: string;
}

export interface LintRole {
  name: string;
  arn?: string;
  trust?: SourcedDocument;
  inline: LintPolicy[];
  /** ARNs (or references) of attached managed policies. */
  attached: string[];
  boundaryArn?: string;
  /** The input lists the role's inline policies and attachments (get-role output does not). */
  permissionsKnown: boolean;
}

export interface LintInput {
  file: string;
  kind: InputKind;
  roles: LintRole[];
  /** Managed policies defined in the input, by ARN or name. */
  managed: LintPolicy[];
  /** Service control policies (`aws organizations describe-policy` output). */
  scps?: LintPolicy[];
  /** A bare policy file: trust or permission policy. */
  bare?: { role: 'trust' | 'permissions'; source: SourcedDocument };
  /** Line/column of a path in the file. */
  position(path: (string | number)[]): { line: number; column: number } | undefined;
}

export class LintInputError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${message}`);
    this.name = 'LintInputError';
  }
}

// ---------------------------------------------------------------- parsing with positions

const cfnTags = ['Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'ImportValue', 'Base64', 'Condition', 'GetAZs', 'Cidr'].flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  return [
    { tag: `!${name}`, resolve: (value: unknown) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value }) },
    { tag: `!${name}`, collection: 'seq' as const, resolve: (value: unknown) => ({ [key]: (value as { toJSON(): unknown }).toJSON() }) },
    { tag: `!${name}`, collection: 'map' as const, resolve: (value: unknown) => ({ [key]: (value as { toJSON(): unknown }).toJSON() }) },
  ];
});

interface Parsed {
  value: unknown;
  position: LintInput['position'];
}

function parseText(file: string, text: string): Parsed {
  const looksJson = /^\s*[{[]/.test(text);
  let value: unknown;
  if (looksJson) {
    try {
      value = JSON.parse(text);
    } catch (e) {
      const m = /position (\d+)/.exec((e as Error).message);
      let line: number | undefined;
      let column: number | undefined;
      if (m) {
        const before = text.slice(0, Number(m[1]));
        line = before.split('\n').length;
        column = before.length - before.lastIndexOf('\n');
      }
      throw new LintInputError(file, `not valid JSON: ${(e as Error).message}`, line, column);
    }
  }
  const lineCounter = new LineCounter();
  let doc: Document.Parsed | undefined;
  try {
    doc = parseDocument(text, { lineCounter, customTags: cfnTags as never, uniqueKeys: false, strict: false, prettyErrors: false });
  } catch {
    doc = undefined;
  }
  if (!looksJson) {
    if (!doc || doc.errors.length) {
      const err = doc?.errors[0];
      const pos = err?.linePos?.[0] ?? (err?.pos ? lineCounter.linePos(err.pos[0]) : undefined);
      throw new LintInputError(file, `not valid YAML or JSON: ${err?.message.split('\n')[0] ?? 'unparseable'}`, pos?.line, pos?.col);
    }
    value = doc.toJS({ maxAliasCount: 100 });
  }
  const position = (path: (string | number)[]) => {
    if (!doc || doc.errors.length) return undefined;
    let node: Node | null | undefined = doc.contents as Node | null;
    let last: Node | null | undefined = node;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) === String(seg) : false));
        if (!pair) break;
        last = (pair.key as Node) ?? last;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg] as Node | null;
      } else break;
      if (node) last = node;
    }
    const range = (last as { range?: [number, number, number] } | null | undefined)?.range;
    if (!range) return undefined;
    const pos = lineCounter.linePos(range[0]);
    return { line: pos.line, column: pos.col };
  };
  return { value, position };
}

// ---------------------------------------------------------------- helpers

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A document as IAM APIs return it: an object (the CLI decodes it) or URL-encoded / plain JSON text. */
function decode(doc: unknown): { value: unknown; embedded: boolean } {
  if (typeof doc !== 'string') return { value: doc, embedded: false };
  const t = doc.trim();
  return { value: t.startsWith('{') ? t : decodeURIComponent(t), embedded: true };
}

function looksLikePolicy(v: unknown): boolean {
  return isObject(v) && 'Statement' in v;
}

// ---------------------------------------------------------------- readers

function readAuthorizationDetails(file: string, v: Record<string, any>, position: LintInput['position'], prefix: string[] = []): LintInput {
  const roles: LintRole[] = (v.RoleDetailList ?? []).map((r: any, i: number): LintRole => {
    const trust = r.AssumeRolePolicyDocument !== undefined ? decode(r.AssumeRolePolicyDocument) : undefined;
    return {
      name: r.RoleName,
      arn: r.Arn,
      trust: trust ? { document: trust.value, file, path: [...prefix, 'RoleDetailList', i, 'AssumeRolePolicyDocument'], embedded: trust.embedded, label: `RoleDetailList[${r.RoleName}].AssumeRolePolicyDocument` } : undefined,
      inline: (r.RolePolicyList ?? []).map((p: any, j: number) => {
        const d = decode(p.PolicyDocument);
        return { kind: 'inline', name: p.PolicyName, document: d.value, file, path: [...prefix, 'RoleDetailList', i, 'RolePolicyList', j, 'PolicyDocument'], embedded: d.embedded, label: `RoleDetailList[${r.RoleName}].RolePolicyList[${p.PolicyName}]` };
      }),
      attached: (r.AttachedManagedPolicies ?? []).map((a: any) => a.PolicyArn),
      boundaryArn: r.PermissionsBoundary?.PermissionsBoundaryArn,
      permissionsKnown: true,
    };
  });
  const managed: LintPolicy[] = [];
  (v.Policies ?? []).forEach((p: any, i: number) => {
    const versions: any[] = p.PolicyVersionList ?? [];
    const j = Math.max(0, versions.findIndex((x) => x.VersionId === p.DefaultVersionId || x.IsDefaultVersion));
    if (!versions[j]) return;
    const d = decode(versions[j].Document);
    managed.push({ kind: 'managed', name: p.PolicyName, arn: p.Arn, document: d.value, file, path: [...prefix, 'Policies', i, 'PolicyVersionList', j, 'Document'], embedded: d.embedded, label: `Policies[${p.PolicyName}]` });
  });
  return { file, kind: 'authorization-details', roles, managed, position };
}

function readGetRole(file: string, v: Record<string, any>, position: LintInput['position']): LintInput {
  const r = v.Role;
  const trust = decode(r.AssumeRolePolicyDocument);
  return {
    file,
    kind: 'get-role',
    roles: [{ name: r.RoleName, arn: r.Arn, trust: { document: trust.value, file, path: ['Role', 'AssumeRolePolicyDocument'], embedded: trust.embedded, label: `Role[${r.RoleName}].AssumeRolePolicyDocument` }, inline: [], attached: [], boundaryArn: r.PermissionsBoundary?.PermissionsBoundaryArn, permissionsKnown: false }],
    managed: [],
    position,
  };
}

interface TfResource {
  address: string;
  type: string;
  name: string;
  values: Record<string, any>;
  path: (string | number)[];
}

function tfResources(module: any, path: (string | number)[], out: TfResource[]) {
  if (!isObject(module)) return;
  (module.resources ?? []).forEach((r: any, i: number) => out.push({ address: r.address, type: r.type, name: r.name, values: r.values ?? {}, path: [...path, 'resources', i] }));
  (module.child_modules ?? []).forEach((m: any, i: number) => tfResources(m, [...path, 'child_modules', i], out));
}

/**
 * The references of a resource's attribute expression in the plan's `configuration` (module calls followed), made
 * absolute (`module.x.aws_iam_policy.y`) so they compare with planned_values addresses.
 */
function tfConfigReferences(config: any, address: string, attribute: string): string[] {
  const parts = address.split('.');
  let module = config?.root_module;
  const prefix: string[] = [];
  while (parts[0] === 'module' && parts.length > 2) {
    const name = parts[1].replace(/\[.*\]$/, '');
    module = module?.module_calls?.[name]?.module;
    prefix.push('module', parts[1]);
    parts.splice(0, 2);
  }
  const local = parts.join('.');
  const r = (module?.resources ?? []).find((x: any) => x.address === local);
  const refs: string[] = r?.expressions?.[attribute]?.references ?? [];
  return refs.map((ref) => (prefix.length && !ref.startsWith('module.') && !ref.startsWith('var.') ? `${prefix.join('.')}.${ref}` : ref));
}

function readTerraformPlan(file: string, v: Record<string, any>, position: LintInput['position'], account?: string): LintInput {
  const resources: TfResource[] = [];
  tfResources(v.planned_values?.root_module, ['planned_values', 'root_module'], resources);
  const parse = (text: unknown) => (typeof text === 'string' && text ? text : undefined);
  const managed: LintPolicy[] = resources
    .filter((r) => r.type === 'aws_iam_policy' && parse(r.values.policy))
    .map((r) => ({ kind: 'managed', name: r.values.name ?? r.name, arn: r.values.arn ?? (account ? `arn:aws:iam::${account}:policy${r.values.path ?? '/'}${r.values.name ?? r.name}` : undefined), document: r.values.policy, file, path: [...r.path, 'values', 'policy'], embedded: true, label: r.address }));
  const roles: LintRole[] = resources
    .filter((r) => r.type === 'aws_iam_role')
    .map((r) => {
      const name: string = r.values.name ?? r.name;
      const inline: LintPolicy[] = (r.values.inline_policy ?? [])
        .map((p: any, j: number) => ({ kind: 'inline' as const, name: p.name, document: p.policy, file, path: [...r.path, 'values', 'inline_policy', j, 'policy'], embedded: true, label: `${r.address}.inline_policy[${p.name}]` }))
        .filter((p: LintPolicy) => parse(p.document));
      const attached: string[] = [...(r.values.managed_policy_arns ?? [])];
      return {
        name,
        arn: r.values.arn ?? (account ? `arn:aws:iam::${account}:role${r.values.path ?? '/'}${name}` : undefined),
        trust: parse(r.values.assume_role_policy) ? { document: r.values.assume_role_policy, file, path: [...r.path, 'values', 'assume_role_policy'], embedded: true, label: r.address } : undefined,
        inline,
        attached,
        boundaryArn: r.values.permissions_boundary ?? undefined,
        permissionsKnown: true,
        address: r.address,
      } as LintRole & { address: string };
    });
  const roleFor = (ref: unknown, address: string, attribute: string) => {
    if (typeof ref === 'string') return roles.find((x) => x.name === ref);
    const refs = tfConfigReferences(v.configuration, address, attribute);
    return roles.find((x) => refs.includes((x as LintRole & { address: string }).address) || refs.some((s) => s.startsWith(`${(x as LintRole & { address: string }).address}.`)));
  };
  for (const r of resources) {
    if (r.type === 'aws_iam_role_policy') {
      const role = roleFor(r.values.role, r.address, 'role');
      if (role && parse(r.values.policy)) role.inline.push({ kind: 'inline', name: r.values.name ?? r.name, document: r.values.policy, file, path: [...r.path, 'values', 'policy'], embedded: true, label: r.address });
    } else if (r.type === 'aws_iam_role_policy_attachment') {
      const role = roleFor(r.values.role, r.address, 'role');
      if (!role) continue;
      if (typeof r.values.policy_arn === 'string') role.attached.push(r.values.policy_arn);
      else {
        const refs = tfConfigReferences(v.configuration, r.address, 'policy_arn');
        const policy = managed.find((m) => refs.includes(m.label) || refs.some((s) => s.startsWith(`${m.label}.`)));
        if (policy) role.attached.push(policy.arn ?? policy.label);
      }
    }
  }
  return { file, kind: 'terraform-plan', roles, managed, position };
}

/** Resolves the CloudFormation intrinsics a policy's values use (Sub, Ref to parameters, GetAtt Arn, Join). */
function cfnResolver(template: Record<string, any>, account: string | undefined, region: string | undefined) {
  const params: Record<string, any> = template.Parameters ?? {};
  const resources: Record<string, any> = template.Resources ?? {};
  const pseudo: Record<string, string | undefined> = { 'AWS::AccountId': account, 'AWS::Partition': 'aws', 'AWS::Region': region, 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': 'stack' };
  const roleArnOf = (logicalId: string) => {
    const name = resources[logicalId]?.Properties?.RoleName ?? logicalId;
    return `arn:aws:iam::${account ?? '123456789012'}:role/${resolve(name)}`;
  };
  const ref = (name: string): unknown => {
    if (name in pseudo) return pseudo[name] ?? `\${${name}}`;
    if (name in params) return params[name].Default ?? `\${${name}}`;
    const res = resources[name];
    if (res?.Type === 'AWS::IAM::Role') return resolve(res.Properties?.RoleName ?? name);
    if (res?.Type === 'AWS::IAM::ManagedPolicy') return `arn:aws:iam::${account}:policy/${resolve(res.Properties?.ManagedPolicyName ?? name)}`;
    return name;
  };
  const resolve = (v: any): any => {
    if (Array.isArray(v)) return v.map(resolve);
    if (!isObject(v)) return v;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [k] = keys;
      const arg = v[k];
      if (k === 'Ref') return ref(arg);
      if (k === 'Fn::Sub') {
        const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
        return String(text).replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
          if (vars && name in vars) return String(resolve(vars[name]));
          if (name.endsWith('.Arn') && resources[name.slice(0, -4)]?.Type === 'AWS::IAM::Role') return roleArnOf(name.slice(0, -4));
          return String(ref(name));
        });
      }
      if (k === 'Fn::GetAtt') {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
        if (attr === 'Arn' && resources[id]?.Type === 'AWS::IAM::Role') return roleArnOf(id);
        return `${id}.${attr}`;
      }
      if (k === 'Fn::Join') return (resolve(arg[1]) as unknown[]).map(String).join(arg[0]);
    }
    return Object.fromEntries(Object.entries(v).map(([key, val]) => [key, resolve(val)]));
  };
  return resolve;
}

function readCloudFormation(file: string, v: Record<string, any>, position: LintInput['position'], account?: string, region?: string): LintInput {
  const resolve = cfnResolver(v, account, region);
  const resources: Record<string, any> = v.Resources ?? {};
  const roles: (LintRole & { logicalId: string })[] = [];
  const managed: LintPolicy[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r?.Type !== 'AWS::IAM::Role') continue;
    const p = r.Properties ?? {};
    const name = String(resolve(p.RoleName ?? id));
    roles.push({
      logicalId: id,
      name,
      arn: `arn:aws:iam::${account ?? '123456789012'}:role${p.Path ?? '/'}${name}`,
      trust: p.AssumeRolePolicyDocument ? { document: resolve(p.AssumeRolePolicyDocument), file, path: ['Resources', id, 'Properties', 'AssumeRolePolicyDocument'], embedded: false, label: `Resources.${id}` } : undefined,
      inline: (p.Policies ?? []).map((x: any, j: number) => ({ kind: 'inline', name: String(resolve(x.PolicyName)), document: resolve(x.PolicyDocument), file, path: ['Resources', id, 'Properties', 'Policies', j, 'PolicyDocument'], embedded: false, label: `Resources.${id}.Policies[${j}]` })),
      attached: (p.ManagedPolicyArns ?? []).map((a: unknown) => String(resolve(a))),
      boundaryArn: p.PermissionsBoundary ? String(resolve(p.PermissionsBoundary)) : undefined,
      permissionsKnown: true,
    });
  }
  const rolesOf = (list: unknown): (LintRole & { logicalId: string })[] =>
    (Array.isArray(list) ? list : []).map((x: any) => roles.find((r) => (isObject(x) && x.Ref === r.logicalId) || resolve(x) === r.name)).filter((r): r is LintRole & { logicalId: string } => !!r);
  for (const [id, r] of Object.entries(resources)) {
    const p = r?.Properties ?? {};
    if (r?.Type === 'AWS::IAM::Policy') {
      for (const role of rolesOf(p.Roles)) role.inline.push({ kind: 'inline', name: String(resolve(p.PolicyName ?? id)), document: resolve(p.PolicyDocument), file, path: ['Resources', id, 'Properties', 'PolicyDocument'], embedded: false, label: `Resources.${id}` });
    } else if (r?.Type === 'AWS::IAM::ManagedPolicy') {
      const arn = `arn:aws:iam::${account ?? '123456789012'}:policy${p.Path ?? '/'}${resolve(p.ManagedPolicyName ?? id)}`;
      managed.push({ kind: 'managed', name: String(resolve(p.ManagedPolicyName ?? id)), arn, document: resolve(p.PolicyDocument), file, path: ['Resources', id, 'Properties', 'PolicyDocument'], embedded: false, label: `Resources.${id}` });
      for (const role of rolesOf(p.Roles)) role.attached.push(arn);
    }
  }
  return { file, kind: 'cloudformation', roles, managed, position };
}

/** Detects the input kind and reads it. Throws LintInputError (naming the position) for input it cannot use. */
export function readLintInput(file: string, text: string, hints: { roleArn?: string; region?: string } = {}): LintInput {
  const { value, position } = parseText(file, text);
  const account = hints.roleArn ? accountOfArn(hints.roleArn) : undefined;
  if (!isObject(value)) throw new LintInputError(file, 'expected a JSON/YAML object at the top level', 1, 1);
  if (Array.isArray(value.RoleDetailList) || Array.isArray(value.Policies)) return readAuthorizationDetails(file, value, position);
  // a gateway-doctor world file: its `iam` section has the authorization-details shape
  if (isObject(value.iam) && isObject(value.gateway) && (Array.isArray(value.iam.RoleDetailList) || Array.isArray(value.iam.Policies))) return readAuthorizationDetails(file, value.iam, position, ['iam']);
  if (isObject(value.Role) && value.Role.AssumeRolePolicyDocument !== undefined) return readGetRole(file, value, position);
  if (isObject(value.Policy) && typeof value.Policy.Content === 'string' && value.Policy.PolicySummary?.Type === 'SERVICE_CONTROL_POLICY') {
    const summary = value.Policy.PolicySummary;
    return { file, kind: 'scp', roles: [], managed: [], scps: [{ kind: 'scp', name: summary.Name ?? summary.Id ?? 'scp', arn: summary.Arn, document: value.Policy.Content, file, path: ['Policy', 'Content'], embedded: true, label: `SCP ${summary.Name ?? summary.Id}` }], position };
  }
  if (value.planned_values || value.format_version && value.terraform_version) return readTerraformPlan(file, value, position, account);
  if (isObject(value.Resources) || value.AWSTemplateFormatVersion) return readCloudFormation(file, value, position, account, hints.region);
  if (looksLikePolicy(value)) {
    const statements = Array.isArray(value.Statement) ? value.Statement : [value.Statement];
    // a statement that is not an object is a document IAM rejects (MalformedPolicyDocument): bad input, named
    // where it is, not a policy that merely "grants nothing"
    const bad = statements.findIndex((s: unknown) => !isObject(s));
    if (bad >= 0) {
      const path = Array.isArray(value.Statement) ? ['Statement', bad] : ['Statement'];
      const pos = position(path) ?? position([]);
      throw new LintInputError(file, `${Array.isArray(value.Statement) ? `Statement[${bad}]` : 'Statement'}: must be a statement object (or a list of them), got ${Array.isArray(statements[bad]) ? 'a list' : String(JSON.stringify(statements[bad])).slice(0, 60)}`, pos?.line ?? 1, pos?.column ?? 1);
    }
    const trust = statements.some((s: any) => isObject(s) && ('Principal' in s || 'NotPrincipal' in s));
    return { file, kind: 'policy', roles: [], managed: [], bare: { role: trust ? 'trust' : 'permissions', source: { document: value, file, path: [], embedded: false, label: file } }, position };
  }
  const pos = position([]);
  throw new LintInputError(file, 'not a policy document, get-role or get-account-authorization-details output, Terraform plan JSON or CloudFormation template', pos?.line ?? 1, pos?.column ?? 1);
}

/** Line/column of a finding: the statement inside the document where the document is inline, else the document. */
export function locateInFile(input: LintInput, source: SourcedDocument, pointer: string | undefined): { line?: number; column?: number } {
  const path = source.embedded || !pointer ? source.path : [...source.path, ...pointerPath(pointer)];
  const pos = input.position(path) ?? input.position(source.path);
  return pos ? { line: pos.line, column: pos.column } : {};
}

// `gateway-doctor lint`: the live probes' analysis over files, before anything is applied. Inputs are read by
// readers.ts; the role named by the contract (or the only role) is analysed with the same pure analyzers as
// policy.trust and policy.permissions; each finding gets its file, line and JSON pointer. Renders text, JSON and
// SARIF 2.1.0 (ruleId = the code, stable).
import { analyzeTrust, type SelfAdmission } from '../analyze/trust.ts';
import { analyzeKmsDecrypt, analyzePermissions, type NamedPolicy } from '../analyze/permissions.ts';
import { roleNameOfArn } from '../analyze/iam.ts';
import type { PolicyContract, PolicyFinding } from '../analyze/policy-types.ts';
import { CODES } from '../catalog/index.ts';
import { locateInFile, type LintInput, type LintPolicy, type LintRole, type SourcedDocument } from './readers.ts';

export interface LintFinding extends PolicyFinding {
  file: string;
  line?: number;
  column?: number;
  /** JSON pointer inside the policy document. */
  pointer?: string;
  /** The document's place in its file (a Terraform address, a CloudFormation logical id, a role detail). */
  logical: string;
}

export interface LintResult {
  findings: LintFinding[];
  /** What was analysed, for the summary line. */
  analysed: string[];
  notes: string[];
}

export interface KeyPolicyInput {
  keyArn: string;
  /** The key policy (`aws kms get-key-policy --query Policy --output text`, or its JSON output). */
  document: unknown;
  input: LintInput;
}

/**
 * Lints the inputs against the contract. `contract.roleArn` picks the role when an input holds several. Key
 * policies, where given, are checked for the role's kms:Decrypt (with the role's identity policies where the key
 * policy delegates to IAM).
 */
export function lintInputs(inputs: LintInput[], contract: PolicyContract, keyPolicies: KeyPolicyInput[] = []): LintResult {
  const findings: LintFinding[] = [];
  const analysed: string[] = [];
  const notes: string[] = [];
  const roleName = roleNameOfArn(contract.roleArn);
  const allRoles = inputs.flatMap((input) => input.roles.map((role) => ({ input, role })));
  let chosen = allRoles.filter((r) => r.role.name === roleName || r.role.arn === contract.roleArn);
  if (chosen.length === 0 && allRoles.length === 1) {
    chosen = allRoles;
    notes.push(`the input's only role ${allRoles[0].role.name} is taken as ${contract.roleArn}`);
  }
  if (allRoles.length && chosen.length === 0) notes.push(`no role named ${roleName} in the inputs (found: ${allRoles.map((r) => r.role.name).join(', ')})`);

  const managedAll = inputs.flatMap((input) => input.managed.map((policy) => ({ input, policy })));
  const push = (input: LintInput, source: SourcedDocument, f: PolicyFinding) => {
    const pos = locateInFile(input, source, f.location?.pointer);
    // A role in a template or plan is changed there: the AWS CLI command would be reverted by the next deploy
    const iac = input.kind === 'cloudformation' ? 'CloudFormation' : input.kind === 'terraform-plan' ? 'Terraform' : undefined;
    const remedy =
      iac && f.remedy?.commands?.length
        ? { ...f.remedy, text: `${f.remedy.text} This role is managed by ${iac} (${source.label} in ${input.file}): make the change there and deploy it; the command below is for a role outside ${iac} only, and a deploy would revert it.` }
        : f.remedy;
    findings.push({ ...f, ...(remedy ? { remedy } : {}), file: input.file, line: pos.line, column: pos.column, pointer: f.location?.pointer, logical: source.label });
  };

  // Trust documents: the chosen role's, and bare trust policy files.
  let trustSource: { input: LintInput; source: SourcedDocument } | undefined;
  for (const { input, role } of chosen) if (role.trust) trustSource ??= { input, source: role.trust };
  for (const input of inputs) if (input.bare?.role === 'trust') trustSource ??= { input, source: input.bare.source };
  let selfAdmission: SelfAdmission | 'unknown' = 'unknown';
  let tagSessionAdmission: SelfAdmission | 'unknown' = 'unknown';
  if (trustSource) {
    const analysis = analyzeTrust(trustSource.source.document, contract);
    selfAdmission = analysis.selfAdmission;
    tagSessionAdmission = analysis.verdicts.selfTagAdmission;
    analysed.push(`trust policy (${trustSource.source.label})`);
    for (const f of analysis.findings) push(trustSource.input, trustSource.source, f);
  }

  // Permission documents: the chosen role's inline and attached managed policies and boundary, and bare files.
  const identity: { input: LintInput; policy: LintPolicy }[] = [];
  let boundary: { input: LintInput; policy: LintPolicy } | undefined;
  let permissionsKnown = false;
  for (const { input, role } of chosen) {
    permissionsKnown ||= role.permissionsKnown;
    for (const p of role.inline) identity.push({ input, policy: p });
    for (const arn of role.attached) {
      const m = managedAll.find((x) => x.policy.arn === arn || x.policy.label === arn || x.policy.name === arn.split('/').pop());
      if (m) identity.push(m);
      else if (!/^arn:aws:iam::aws:policy\//.test(arn)) notes.push(`attached policy ${arn} is not in the inputs: not analysed`);
      else notes.push(`AWS managed policy ${arn} is not in the inputs: not analysed`);
    }
    if (role.boundaryArn) {
      const m = managedAll.find((x) => x.policy.arn === role.boundaryArn || x.policy.name === role.boundaryArn!.split('/').pop());
      if (m) boundary = { input: m.input, policy: { ...m.policy, kind: 'boundary' } };
      else notes.push(`permissions boundary ${role.boundaryArn} is not in the inputs: not analysed`);
    }
  }
  for (const input of inputs) {
    if (input.bare?.role !== 'permissions') continue;
    permissionsKnown = true;
    identity.push({ input, policy: { ...input.bare.source, kind: 'inline', name: input.file.split('/').pop()!.replace(/\.(json|ya?ml)$/, '') } });
  }
  const scps = inputs.flatMap((input) => (input.scps ?? []).map((policy) => ({ input, policy })));
  if (permissionsKnown) {
    const named = (x: { policy: LintPolicy }): NamedPolicy => ({ kind: x.policy.kind, name: x.policy.name, arn: x.policy.arn, document: x.policy.document });
    const analysis = analyzePermissions({ identityPolicies: identity.map(named), boundary: boundary ? named(boundary) : undefined, scps: scps.map(named), selfAdmission, tagSessionAdmission }, contract);
    analysed.push(`permission policies (${identity.map((x) => x.policy.name).join(', ') || 'none'}${boundary ? `; boundary ${boundary.policy.name}` : ''}${scps.length ? `; SCPs ${scps.map((x) => x.policy.name).join(', ')}` : ''})`);
    for (const f of analysis.findings) {
      const owner =
        (f.location?.policyName && identity.find((x) => x.policy.name === f.location!.policyName && x.policy.kind === f.location!.kind)) ||
        (f.location?.kind === 'boundary' ? boundary : undefined) ||
        (f.location?.kind === 'scp' ? (f.location.policyName ? scps.find((x) => x.policy.name === f.location!.policyName) : scps[0]) : undefined) ||
        identity.find((x) => x.policy.kind === 'inline') ||
        identity[0];
      if (owner) push(owner.input, owner.policy, f);
      else {
        const first = chosen[0] ?? { input: inputs[0], role: undefined as LintRole | undefined };
        const source = first.role?.trust ?? { document: {}, file: first.input.file, path: [], embedded: false, label: first.role?.name ?? first.input.file };
        push(first.input, source, { ...f, location: f.location ? { ...f.location, pointer: '' } : undefined });
      }
    }
    for (const u of analysis.unreadable) notes.push(`policy ${u.policy.name} could not be parsed: ${u.message}`);
  }
  for (const key of keyPolicies) {
    const verdict = analyzeKmsDecrypt(key.document, identity.map((x) => x.policy.document), contract.roleArn, key.keyArn, { region: contract.region, roleId: contract.roleId });
    analysed.push(`key policy of ${key.keyArn}`);
    if (verdict.allowed) continue;
    const source: SourcedDocument = { document: key.document, file: key.input.file, path: [], embedded: false, label: `key ${key.keyArn}` };
    push(key.input, source, {
      code: verdict.code ?? 'PERMISSION_KMS_DECRYPT_MISSING',
      status: 'fail',
      subject: key.keyArn,
      summary: verdict.missing === 'key-policy'
        ? `The key policy of ${key.keyArn} neither grants ${contract.roleArn} kms:Decrypt nor delegates to IAM`
        : verdict.missing === 'identity-policy'
          ? `The key policy of ${key.keyArn} delegates to IAM, but no permission policy of the role grants kms:Decrypt on it`
          : `An explicit Deny blocks kms:Decrypt on ${key.keyArn}`,
      location: { kind: 'key', policyArn: key.keyArn, pointer: '/Statement' },
      key: 'Action',
      expected: 'kms:Decrypt',
      actual: verdict.explains.join('; '),
      evidence: { keyArn: key.keyArn, missing: verdict.missing ?? '' },
      remedy: verdict.remedy ? { text: verdict.remedy.text, policy: verdict.remedy.policy } : undefined,
    });
  }
  return { findings, analysed, notes };
}

// ---------------------------------------------------------------- rendering

export function lintText(result: LintResult): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    const where = `${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''}`;
    const mark = f.status === 'fail' ? '✗' : '!';
    lines.push(`${mark} ${f.code} ${where} ${f.logical}${f.pointer ? ` ${f.pointer}` : ''}`);
    lines.push(`    ${f.summary}`);
    if (f.key) lines.push(`    key: ${f.key}   expected: ${f.expected ?? ''}   actual: ${f.actual ?? ''}`);
    if (f.remedy) {
      lines.push(`    fix: ${f.remedy.text}`);
      for (const c of f.remedy.commands ?? []) lines.push(`      $ ${c}`);
      if (f.remedy.policy !== undefined) {
        // the document the prose and the command refer to ("write it to trust.json"): printed, as in the run report
        const file = (f.remedy.commands ?? []).map((c) => /file:\/\/(\S+)/.exec(c)?.[1]).find(Boolean);
        lines.push(`      ${file ?? 'policy'}:`);
        for (const line of JSON.stringify(f.remedy.policy, null, 2).split('\n')) lines.push(`        ${line}`);
      }
    }
  }
  for (const n of result.notes) lines.push(`note: ${n}`);
  const fails = result.findings.filter((f) => f.status === 'fail').length;
  const warns = result.findings.length - fails;
  lines.push(`${result.analysed.length ? `checked ${result.analysed.join('; ')}: ` : 'nothing to check: '}${fails} fail, ${warns} warn`);
  return lines.join('\n') + '\n';
}

export function lintJson(result: LintResult): string {
  return JSON.stringify({ schemaVersion: 1, findings: result.findings, analysed: result.analysed, notes: result.notes }, null, 2) + '\n';
}

/** SARIF 2.1.0: one rule per code (ruleId = code), one result per finding with file/line and the statement. */
export function lintSarif(result: LintResult, toolVersion = '0.1.0'): string {
  const ruleIds = [...new Set(result.findings.map((f) => f.code))].sort();
  const rules = ruleIds.map((id) => ({
    id,
    name: id,
    shortDescription: { text: (CODES as Record<string, { title: string }>)[id]?.title ?? id },
    help: { text: `What it means and the fix: docs/probes/${id.startsWith('TRUST_') ? 'policy.trust' : 'policy.permissions'}.md#${id.toLowerCase()}` },
    defaultConfiguration: { level: (CODES as Record<string, { status: string }>)[id]?.status === 'warn' ? 'warning' : 'error' },
  }));
  const results = result.findings.map((f) => ({
    ruleId: f.code,
    ruleIndex: ruleIds.indexOf(f.code),
    level: f.status === 'fail' ? 'error' : 'warning',
    message: { text: f.summary },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: f.file }, ...(f.line ? { region: { startLine: f.line, ...(f.column ? { startColumn: f.column } : {}) } } : {}) },
        logicalLocations: [{ fullyQualifiedName: `${f.logical}${f.pointer ?? ''}`, kind: 'resource' }],
      },
    ],
    properties: {
      pointer: f.pointer ?? '',
      ...(f.location?.statementIndex !== undefined ? { statementIndex: f.location.statementIndex } : {}),
      ...(f.location?.sid ? { sid: f.location.sid } : {}),
      ...(f.key ? { key: f.key } : {}),
      ...(f.expected !== undefined ? { expected: f.expected } : {}),
      ...(f.actual !== undefined ? { actual: f.actual } : {}),
      ...(f.remedy ? { remedy: f.remedy.text, commands: f.remedy.commands ?? [] } : {}),
    },
  }));
  return (
    JSON.stringify(
      {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 'gateway-doctor', version: toolVersion, informationUri: 'https://github.com/gateway-doctor/gateway-doctor', rules } }, results }],
      },
      null,
      2,
    ) + '\n'
  );
}

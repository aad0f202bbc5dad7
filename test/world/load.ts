// Loading a world file: YAML → validated World with defaults, plus warning lines for AWS-shaped fields that
// the stand-in does not use. A bad world is a WorldError whose message names every bad field's path.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { worldSchema, awsShapedSections } from './schema.ts';
import type { LoadedWorld, Pod, World } from './types.ts';
import { CODES } from '../../packages/core/src/catalog/index.ts';
import { AREAS } from '../../packages/core/src/types.ts';
import { parseConfig, isConfigError } from '../../packages/core/src/config.ts';
import { allProbes } from '../../packages/core/src/probes/index.ts';
import { resolveInWorld } from '../sandbox/plan.ts';

/** Probe ids an expectation may name: CATALOG.md's (the contract) and whatever the registry holds. A typo must
 *  not pass silently, which a `count: 0` expectation on a probe that never runs would. */
const CATALOG_PROBES = [
  'identity.env', 'identity.agent', 'identity.caller', 'identity.self-assume', 'identity.tag-session',
  'policy.trust', 'policy.permissions', 'secrets.read', 'secrets.layout', 'audit.cloudtrail',
  'network.dns', 'network.tcp', 'network.security-groups', 'network.path', 'network.egress',
  'services.redshift', 'services.rds', 'services.athena', 'eks.association',
];
const knownProbes = (): Set<string> => new Set([...CATALOG_PROBES, ...allProbes.map((p) => p.meta.id)]);

export class WorldError extends Error {
  /** one `<path>: <message>` line per problem */
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`${source}: invalid world\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'WorldError';
    this.problems = problems;
  }
}

/** `gateway.targets[0].port` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[A-Za-z_$][\w$-]*$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
    }
  }
  return out || '(top level)';
}

function issueLines(issues: z.core.$ZodIssue[], prefix: PropertyKey[] = []): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${formatPath([...path, key])}: unknown field`);
    } else if (issue.code === 'invalid_union') {
      // name the branch that got furthest rather than "Invalid input"
      const branches = issue.errors.filter((b) => b.length > 0);
      if (branches.every((b) => b.every((i) => i.code === 'invalid_type' && i.message.includes('received undefined')))) {
        lines.push(`${formatPath(path)}: required`);
        continue;
      }
      const best = branches.sort((a, b) => depth(b) - depth(a))[0];
      if (best && depth(best) > 0) lines.push(...issueLines(best, path));
      else lines.push(`${formatPath(path)}: ${issue.message === 'Invalid input' ? 'has the wrong type or value' : issue.message}`);
    } else if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
      lines.push(`${formatPath(path)}: required`);
    } else {
      lines.push(`${formatPath(path)}: ${issue.message.replace(/^Invalid input: /, '')}`);
    }
  }
  return lines;
}
function depth(issues: z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}

// ---------------------------------------------------------------- unused-field warnings
type AnySchema = z.core.$ZodType;
function def(s: AnySchema): any {
  return (s as any)._zod.def;
}

/** Walks value along schema; every key of a loose object that the shape does not name is reported. */
function collectUnused(schema: AnySchema, value: unknown, path: PropertyKey[], out: string[]): void {
  const d = def(schema);
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      if (value === undefined || value === null) return;
      return collectUnused(d.innerType, value, path, out);
    case 'pipe':
      return collectUnused(d.in, value, path, out);
    case 'lazy':
      return collectUnused(d.getter(), value, path, out);
    case 'array':
      if (Array.isArray(value)) value.forEach((v, i) => collectUnused(d.element, v, [...path, i], out));
      return;
    case 'record':
      if (value && typeof value === 'object' && !Array.isArray(value))
        for (const [k, v] of Object.entries(value)) collectUnused(d.valueType, v, [...path, k], out);
      return;
    case 'union': {
      const branch = (d.options as AnySchema[]).find((o) => (o as any).safeParse(value).success);
      if (branch) collectUnused(branch, value, path, out);
      return;
    }
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return;
      const shape = d.shape as Record<string, AnySchema>;
      const loose = d.catchall && def(d.catchall).type === 'unknown';
      for (const [k, v] of Object.entries(value)) {
        if (k in shape) collectUnused(shape[k], v, [...path, k], out);
        else if (loose) out.push(`warning: ${formatPath([...path, k])}: field not used by the stand-in`);
      }
      return;
    }
    default:
      return;
  }
}

// ---------------------------------------------------------------- defaults and cross-field checks
function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
const base36 = (hex: string, n: number) =>
  BigInt('0x' + hex)
    .toString(36)
    .replace(/[0-9]/g, (c) => 'bcdfghjklm'[Number(c)])
    .slice(0, n);

function resolvePod(raw: z.output<typeof worldSchema>, problems: string[]): Pod {
  const pod = raw.pod;
  const namespace = pod.namespace ?? raw.gateway.namespace;
  const serviceAccount = pod.serviceAccount ?? raw.gateway.serviceAccount;
  if (!namespace) problems.push('pod.namespace: required (gateway.namespace does not give it either)');
  if (!serviceAccount) problems.push('pod.serviceAccount: required (gateway.serviceAccount does not give it either)');
  const h = hashOf(`${raw.name}/${namespace}/${serviceAccount}`);
  // a Deployment's pod: <deployment>-<pod-template-hash>-<5 chars>
  const name = pod.name ?? `${serviceAccount ?? 'pod'}-${base36(h.slice(0, 16), 10)}-${base36(h.slice(16, 32), 5)}`;
  const uid = pod.uid ?? `${h.slice(32, 40)}-${h.slice(40, 44)}-4${h.slice(45, 48)}-a${h.slice(49, 52)}-${h.slice(52, 64)}`;
  const nodeName = pod.nodeName ?? `ip-${pod.nodeIp.replaceAll('.', '-')}.${raw.region === 'us-east-1' ? 'ec2.internal' : `${raw.region}.compute.internal`}`;
  const clusterSg = raw.eks?.cluster?.resourcesVpcConfig?.clusterSecurityGroupId;
  const securityGroupIds = pod.securityGroupIds ?? (clusterSg ? [clusterSg] : []);
  const nodeRoleArn = pod.nodeRoleArn ?? `arn:aws:iam::${raw.account}:role/eks-node`;
  let irsa: Pod['irsa'];
  if (pod.injected === 'irsa' || pod.injected === 'both' || pod.irsa)
    irsa = { roleArn: pod.irsa?.roleArn ?? raw.gateway.roleArn, oidcProviderExists: pod.irsa?.oidcProviderExists ?? true };
  return {
    ...pod,
    namespace: namespace ?? '',
    serviceAccount: serviceAccount ?? '',
    name,
    uid,
    nodeName,
    securityGroupIds,
    nodeRoleArn,
    irsa,
  };
}

/** What an expectation's subject may be (CATALOG.md "subject"): the config's targets, secrets, workgroups and
 *  external endpoint names. */
function knownSubjects(world: World): Set<string> {
  const g = world.gateway;
  const external = ['sts', 'sts-global', 'secretsmanager', 'athena', 's3', 'powerbi-api', 'powerbi-login'];
  return new Set([...(g.targets ?? []).map((t) => t.name), ...(g.secrets ?? []), ...(g.athenaWorkGroups ?? []), ...external]);
}

function crossChecks(world: World, problems: string[], warnings: string[]): void {
  const subjects = knownSubjects(world);
  world.expect.forEach((e, i) => {
    if (e.subject !== undefined && !subjects.has(e.subject))
      problems.push(`expect[${i}].subject: ${e.subject} is none of the config's targets, secrets, workgroups or external endpoints`);
    if (e.code !== undefined && !Object.prototype.hasOwnProperty.call(CODES, e.code))
      problems.push(`expect[${i}].code: unknown code ${e.code} (not in CATALOG.md / packages/core/src/catalog)`);
    if (e.probe !== undefined && !(AREAS as readonly string[]).includes(e.probe.split('.')[0]))
      problems.push(`expect[${i}].probe: unknown area in ${e.probe} (areas: ${AREAS.join(', ')})`);
    else if (e.probe !== undefined && !knownProbes().has(e.probe))
      problems.push(`expect[${i}].probe: unknown probe ${e.probe} (not in CATALOG.md nor the registry)`);
  });
  for (const key of Object.keys(world.network.reach)) {
    const port = Number(key.slice(key.lastIndexOf(':') + 1));
    if (!(port >= 1 && port <= 65535)) problems.push(`network.reach["${key}"]: port must be 1-65535`);
    const host = key.slice(0, key.lastIndexOf(':'));
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
      const answer = resolveInWorld(world, host);
      if (!Array.isArray(answer)) problems.push(`network.reach["${key}"]: ${host} does not resolve in this world (${answer}); name an address or a name network.hosts lists`);
    }
  }
  if (world.pod.irsa && world.pod.injected !== 'irsa' && world.pod.injected !== 'both')
    warnings.push(`warning: pod.irsa: ignored unless pod.injected is irsa or both`);
  if (world.pod.staticKeysFor && world.pod.injected !== 'static-keys')
    warnings.push(`warning: pod.staticKeysFor: ignored unless pod.injected is static-keys`);
  const names = new Set<string>();
  world.gateway.targets?.forEach((t, i) => {
    if (names.has(t.name)) problems.push(`gateway.targets[${i}].name: duplicate target name ${t.name}`);
    names.add(t.name);
  });
}

/** Validates a world already parsed from YAML/JSON. `source` names it in errors. */
export function validateWorld(data: unknown, source = 'world'): LoadedWorld {
  const parsed = worldSchema.safeParse(data);
  if (!parsed.success) throw new WorldError(source, issueLines(parsed.error.issues));
  const problems: string[] = [];
  const warnings: string[] = [];
  const pod = resolvePod(parsed.data, problems);
  const world: World = { ...parsed.data, pod };
  crossChecks(world, problems, warnings);
  // the world's gateway section is the product's config file: it must pass the product's own schema
  try {
    parseConfig({ ...(data as any).gateway, region: parsed.data.region });
  } catch (e) {
    if (!isConfigError(e)) throw e;
    for (const p of e.problems) {
      const field = `gateway.${p.path}`;
      if (!problems.some((q) => q.startsWith(`${field}:`))) problems.push(`${field}: ${p.message} (the product's config schema)`);
    }
  }
  if (problems.length) throw new WorldError(source, problems);
  const obj = data as Record<string, unknown>;
  const shape = def(worldSchema).shape as Record<string, AnySchema>;
  for (const section of awsShapedSections) collectUnused(shape[section], obj[section], [section], warnings);
  return { world, warnings };
}

/** Parses and validates world YAML text. */
export function parseWorld(text: string, source = 'world'): LoadedWorld {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new WorldError(
      source,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${pos ? `line ${pos.line}, column ${pos.col}` : '(yaml)'}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const data = doc.toJS({ maxAliasCount: 100 });
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new WorldError(source, ['(top level): must be a mapping']);
  return validateWorld(data, source);
}

/** Reads, parses and validates a world file (WORLD.md). Throws WorldError naming the field path. */
export function loadWorld(path: string): LoadedWorld {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new WorldError(path, [`(file): ${(e as Error).message}`]);
  }
  return parseWorld(text, path);
}

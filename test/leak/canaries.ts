// Canaries for the leak test: random values planted where a secret lives in a world (its secrets' SecretString
// and SecretBinary, the projected token files), plus the credentials the stand-in issues during the run, and a
// search that finds each one in any output — whole, base64 (any byte alignment, standard or URL alphabet), hex,
// URL-encoded or JSON-escaped.
import { randomBytes } from 'node:crypto';
import type { World } from '../world/types.ts';
import { IRSA_TOKEN_PATH, POD_IDENTITY_TOKEN_PATH, serviceAccountToken } from '../sandbox/token.ts';

export interface Canary {
  /** where it was planted, for the failure message (never the value itself) */
  label: string;
  value: string;
}

export interface Planted {
  world: World;
  canaries: Canary[];
  /** files to place in the sandbox (the token files, overriding the sandbox's own) */
  files: Record<string, string>;
}

/** 24 random characters from an alphabet no redaction pattern is tuned to, prefixed so a reader recognises it. */
export function canaryValue(kind: string): string {
  return `lc${kind}${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`;
}

const LEAK_BINARY_NAME = 'gw/prod/leak-canary-binary';

/**
 * A copy of the world with canaries planted. Each secret keeps its shape (JSON stays JSON with as many keys, a
 * plain string stays plain, binary stays binary) so the run takes the same path. When the world's gateway role
 * is in its IAM section, one more secret — binary, under the AWS managed key, readable by the role — is added so
 * every world exercises a successful read of a SecretBinary too.
 */
export function plantCanaries(original: World): Planted {
  const world = structuredClone(original) as World & Record<string, any>;
  const canaries: Canary[] = [];
  const secrets: any[] = world.secretsManager?.secrets ?? [];
  for (const s of secrets) {
    if (s.SecretBinary !== undefined) {
      const v = canaryValue('bin');
      s.SecretBinary = Buffer.from(v, 'utf8').toString('base64');
      canaries.push({ label: `SecretBinary of ${s.Name}`, value: v });
      continue;
    }
    const original = typeof s.SecretString === 'string' ? s.SecretString : '';
    let keys: string[] | undefined;
    try {
      const parsed = JSON.parse(original);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) keys = Object.keys(parsed);
    } catch {
      keys = undefined;
    }
    if (keys && keys.length > 0) {
      const obj: Record<string, string> = {};
      for (const k of keys) {
        obj[k] = canaryValue('val');
        canaries.push({ label: `SecretString of ${s.Name}, key ${k}`, value: obj[k] });
      }
      s.SecretString = JSON.stringify(obj);
      canaries.push({ label: `SecretString of ${s.Name} (whole)`, value: s.SecretString });
    } else {
      s.SecretString = canaryValue('str');
      canaries.push({ label: `SecretString of ${s.Name}`, value: s.SecretString });
    }
  }

  const role = world.iam?.RoleDetailList?.find((r: any) => r.Arn === world.gateway.roleArn);
  if (role) {
    const arn = `arn:aws:secretsmanager:${world.region}:${world.account}:secret:${LEAK_BINARY_NAME}-Lc9Qw1`;
    const v = canaryValue('bin');
    world.secretsManager = { secrets: [...secrets, { ARN: arn, Name: LEAK_BINARY_NAME, SecretBinary: Buffer.from(v).toString('base64') }] };
    canaries.push({ label: `SecretBinary of ${LEAK_BINARY_NAME} (added by the leak test)`, value: v });
    world.gateway = { ...world.gateway, secrets: [...(world.gateway.secrets ?? []), arn] };
    role.RolePolicyList = [
      ...(role.RolePolicyList ?? []),
      { PolicyName: 'leak-canary-read', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: arn }] } },
    ];
  }

  // The projected tokens: same claims the sandbox would write, with a signature we know.
  const files: Record<string, string> = {};
  const injected = world.pod.injected;
  if ((injected === 'pod-identity' || injected === 'both') && (world.pod.token === 'valid' || world.pod.token === 'expired')) {
    files[POD_IDENTITY_TOKEN_PATH] = serviceAccountToken(world, 'pods.eks.amazonaws.com');
    canaries.push({ label: 'Pod Identity token file', value: files[POD_IDENTITY_TOKEN_PATH] });
    canaries.push({ label: 'Pod Identity token signature', value: files[POD_IDENTITY_TOKEN_PATH].split('.')[2] });
  }
  if (injected === 'irsa' || injected === 'both') {
    files[IRSA_TOKEN_PATH] = serviceAccountToken(world, 'sts.amazonaws.com');
    canaries.push({ label: 'IRSA token file', value: files[IRSA_TOKEN_PATH] });
    canaries.push({ label: 'IRSA token signature', value: files[IRSA_TOKEN_PATH].split('.')[2] });
  }
  return { world, canaries, files };
}

/** The credentials the stand-in handed out (and its harness key): their secret halves are canaries too. */
export function credentialCanaries(
  issued: Array<{ secretAccessKey: string; sessionToken?: string; arn: string; via: string }>,
  harness?: { secretAccessKey: string },
): Canary[] {
  const out: Canary[] = [];
  for (const c of issued) {
    out.push({ label: `secret access key issued to ${c.arn} (${c.via})`, value: c.secretAccessKey });
    if (c.sessionToken) out.push({ label: `session token issued to ${c.arn} (${c.via})`, value: c.sessionToken });
  }
  if (harness) out.push({ label: "the harness's secret access key", value: harness.secretAccessKey });
  return out;
}

/**
 * Every form a value could leak in. Base64 of a value embedded in a longer blob depends on its byte offset mod 3,
 * so for each alignment the characters that depend on neighbouring bytes are dropped and the stable core is kept.
 */
export function leakForms(value: string): Array<{ form: string; text: string }> {
  const forms: Array<{ form: string; text: string }> = [{ form: 'whole', text: value }];
  const bytes = Buffer.from(value, 'utf8');
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64').replace(/=+$/, '');
    // drop the group touched by the padding bytes and the last (partial) group
    const start = pad === 0 ? 0 : 4;
    const usable = Math.floor((pad + bytes.length) / 3) * 4;
    const core = b64.slice(start, usable);
    if (core.length >= 8) {
      forms.push({ form: `base64 (offset ${pad})`, text: core });
      const url = core.replace(/\+/g, '-').replace(/\//g, '_');
      if (url !== core) forms.push({ form: `base64url (offset ${pad})`, text: url });
    }
  }
  forms.push({ form: 'hex', text: bytes.toString('hex') });
  forms.push({ form: 'HEX', text: bytes.toString('hex').toUpperCase() });
  const url = encodeURIComponent(value);
  if (url !== value) forms.push({ form: 'url-encoded', text: url });
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) forms.push({ form: 'json-escaped', text: json });
  return forms.filter((f) => f.text.length >= 8);
}

const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*(\x07|\x1b\\)|\x1b[()][A-Za-z0-9]/g;

export interface Leak {
  label: string;
  form: string;
}

/** The canaries found in `text` (after stripping terminal escapes), each with the form it was found in. */
export function findLeaks(text: string, canaries: Canary[]): Leak[] {
  const plain = text.replace(ANSI, '');
  const squashed = plain.replace(/\r?\n/g, '');
  const leaks: Leak[] = [];
  for (const c of canaries) {
    for (const f of leakForms(c.value)) {
      if (plain.includes(f.text) || squashed.includes(f.text)) {
        leaks.push({ label: c.label, form: f.form });
        break;
      }
    }
  }
  return leaks;
}

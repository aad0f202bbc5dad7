// The key registry: every credential the stand-in hands out maps to the principal it stands for.
// Callers are identified by the access key in the SigV4 Authorization header.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IssuedCredential, Principal } from './types.ts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function pick(alphabet: string, n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

/** ASIA… (temporary) or AKIA… (long-term) access key id: 20 characters like AWS's. */
export function newAccessKeyId(prefix: 'ASIA' | 'AKIA'): string {
  return prefix + pick(ALNUM, 16);
}
/** 40-character secret access key. */
export function newSecretAccessKey(): string {
  return pick(B64, 40);
}
/** A long opaque session token (real ones are several hundred base64 characters). */
export function newSessionToken(): string {
  return 'IQoJb3JpZ2luX2VjE' + randomBytes(300).toString('base64');
}
/** AROA… role id (21 characters). */
export function roleIdFor(roleArn: string): string {
  // Stable per role ARN so the same world gives the same ids.
  let h = 0;
  for (const c of roleArn) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  let s = '';
  for (let i = 0; i < 17; i++) { h = (h * 1103515245 + 12345) >>> 0; s += ALNUM[h % ALNUM.length]; }
  return 'AROA' + s;
}
export function newRequestId(): string {
  return randomUUID();
}

export interface Entry extends IssuedCredential {
  principal: Principal;
  expiration: Date;
  harness: boolean;
}

export class CredentialStore {
  private readonly byKey = new Map<string, Entry>();
  /** every credential handed out (not the harness's), in order; the leak test greps outputs for them */
  readonly issued: IssuedCredential[] = [];
  readonly harness: { accessKeyId: string; secretAccessKey: string };

  constructor(accountId: string) {
    this.harness = { accessKeyId: newAccessKeyId('AKIA'), secretAccessKey: newSecretAccessKey() };
    const principal: Principal = {
      kind: 'harness', arn: `arn:aws:iam::${accountId}:user/standin-harness`, roleArn: '', roleId: 'AIDASTANDINHARNESS01',
      accountId, sessionName: '', tags: {}, transitiveTagKeys: [], via: 'harness', chained: false,
    };
    this.byKey.set(this.harness.accessKeyId, {
      ...this.harness, arn: principal.arn, via: 'harness', principal,
      expiration: new Date(Date.now() + 100 * 365 * 86400_000), harness: true,
    });
  }

  /** Issue credentials for a principal: ASIA + token for sessions, AKIA without a token when static. */
  issue(principal: Principal, opts: { static?: boolean } = {}): IssuedCredential & { expiration: Date } {
    const expiration = principal.expiration ?? new Date(Date.now() + 3600_000);
    const cred: IssuedCredential = {
      accessKeyId: newAccessKeyId(opts.static ? 'AKIA' : 'ASIA'),
      secretAccessKey: newSecretAccessKey(),
      ...(opts.static ? {} : { sessionToken: newSessionToken() }),
      arn: principal.arn,
      via: principal.via,
    };
    this.byKey.set(cred.accessKeyId, { ...cred, principal: { ...principal, expiration }, expiration, harness: false });
    this.issued.push(cred);
    return { ...cred, expiration };
  }

  get(accessKeyId: string): Entry | undefined {
    return this.byKey.get(accessKeyId);
  }
}

// Test certificates for the sandbox, made with the openssl CLI and cached under the temp dir keyed by the name
// set: a test CA the pod trusts and a server certificate for every name the stand-in serves, plus a second,
// untrusted CA and certificate for `network.tls: { host: untrusted }` (an intercepting proxy).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every commercial, GovCloud and China region name a world may use (the certificate covers them all). */
export const REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-south-1', 'ap-south-2',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3',
  'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'il-central-1', 'me-south-1',
  'me-central-1', 'mx-central-1', 'sa-east-1', 'us-gov-east-1', 'us-gov-west-1',
];

/** The names the stand-in serves over HTTPS (wildcards cover `<service>.<region>.amazonaws.com`). */
export function standinNames(extraRegions: string[] = []): string[] {
  const regions = [...new Set([...REGIONS, ...extraRegions])].sort();
  return ['sts.amazonaws.com', 'iam.amazonaws.com', 'api.powerbi.com', 'login.microsoftonline.com', ...regions.map((r) => `*.${r}.amazonaws.com`)];
}

export interface KeyPair {
  key: string;
  cert: string;
}
export interface SandboxCerts {
  dir: string;
  /** the test CA the pod trusts (NODE_EXTRA_CA_CERTS, AWS_CA_BUNDLE) */
  caCertPath: string;
  caCert: string;
  server: KeyPair;
  /** signed by a CA nobody trusts */
  untrusted: KeyPair;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, prefix: string, cn: string): void {
  writeFileSync(
    join(dir, `${prefix}-ca.ext`),
    ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash'].join('\n') + '\n',
  );
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${prefix}-ca.key`], dir);
  openssl(['req', '-new', '-key', `${prefix}-ca.key`, '-subj', `/CN=${cn}`, '-out', `${prefix}-ca.csr`], dir);
  openssl(['x509', '-req', '-in', `${prefix}-ca.csr`, '-signkey', `${prefix}-ca.key`, '-days', '3650', '-sha256', '-extfile', `${prefix}-ca.ext`, '-out', `${prefix}-ca.pem`], dir);
}

function makeLeaf(dir: string, prefix: string, caPrefix: string, names: string[]): void {
  writeFileSync(
    join(dir, `${prefix}.ext`),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
    ].join('\n') + '\n',
  );
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${prefix}.key`], dir);
  openssl(['req', '-new', '-key', `${prefix}.key`, '-subj', `/CN=${names[0]}`, '-out', `${prefix}.csr`], dir);
  openssl(
    ['x509', '-req', '-in', `${prefix}.csr`, '-CA', `${caPrefix}-ca.pem`, '-CAkey', `${caPrefix}-ca.key`, '-CAcreateserial', '-days', '825', '-sha256', '-extfile', `${prefix}.ext`, '-out', `${prefix}.pem`],
    dir,
  );
}

function readCerts(dir: string): SandboxCerts {
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    caCertPath: join(dir, 'test-ca.pem'),
    caCert: read('test-ca.pem'),
    server: { key: read('server.key'), cert: read('server.pem') },
    untrusted: { key: read('untrusted.key'), cert: read('untrusted.pem') },
  };
}

/** The certificates for this name set, generated once and cached (safe when several runs start at once). */
export function sandboxCerts(names: string[] = standinNames()): SandboxCerts {
  const key = createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `gateway-doctor-certs-${process.getuid?.() ?? 0}-${key}`); // per user: the dir is private
  if (existsSync(join(dir, 'done'))) return readCerts(dir);
  const work = mkdtempSync(`${dir}.tmp-`);
  try {
    makeCa(work, 'test', 'gateway-doctor test CA');
    makeLeaf(work, 'server', 'test', names);
    makeCa(work, 'untrusted', 'Intercepting Proxy CA (untrusted)');
    makeLeaf(work, 'untrusted', 'untrusted', names);
    writeFileSync(join(work, 'done'), names.join('\n') + '\n');
    mkdirSync(join(tmpdir()), { recursive: true });
    try {
      renameSync(work, dir);
    } catch {
      // another run won the race: use its certificates
      rmSync(work, { recursive: true, force: true });
    }
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`sandbox certificates: openssl failed: ${(e as Error).message}`);
  }
  return readCerts(dir);
}

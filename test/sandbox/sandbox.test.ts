// The pod sandbox on the wire: DNS answers, each reach mode as a plain Node connect sees it, the token files and
// the env per pod mode, a child env with nothing of the outer environment but PATH, and no route out.
// These runs need no stand-in (standin: false): they check only what the sandbox itself builds.
import t from 'tap';
import { validateWorld } from '../world/load.ts';
import { runInSandbox, POD_IDENTITY_TOKEN_PATH, IRSA_TOKEN_PATH, DEFAULT_SERVICE_ADDRESSES } from './index.ts';
import { answerQuery, parseQuery } from './dns.ts';
import { planSandbox } from './plan.ts';

t.setTimeout(180_000); // several sandboxes; tap's default 30 s per file is too tight on a shared machine

const ROLE = 'arn:aws:iam::111122223333:role/ai-gateway';
function world(pod: Record<string, unknown> = {}, network: Record<string, unknown> = {}, gateway: Record<string, unknown> = {}) {
  return validateWorld({
    name: 'sandbox-wire',
    account: '111122223333',
    region: 'us-east-1',
    gateway: { roleArn: ROLE, platformAccountId: '999988887777', organizationId: 'org-1', clusterName: 'prod', namespace: 'xpander', serviceAccount: 'ai-gateway', ...gateway },
    pod,
    network,
    expect: [{ probe: 'identity.caller', status: 'pass' }],
  }).world;
}

interface WireReport {
  env: Record<string, string>;
  dns: Record<string, { addresses?: string[]; code?: string }>;
  tcp: Record<string, { result: string; code?: string; ms: number }>;
  files: Record<string, string | null>;
  slowSet: string;
  links: string;
  routes: string;
  routeOut: { ok: boolean; out: string };
}

async function wire(w: ReturnType<typeof world>, input: { names?: string[]; connects?: string[]; files?: string[] }, env?: Record<string, string>) {
  const r = await runInSandbox({
    world: w,
    standin: false,
    env,
    cmd: [process.execPath, '--import', 'tsx', 'test/sandbox/wire-check.ts', JSON.stringify({ names: [], connects: [], files: [], ...input })],
    timeoutMs: 60_000,
  });
  if (r.exitCode !== 0) throw new Error(`wire-check exited ${r.exitCode}: ${r.stderr}\n${r.sandboxLog}`);
  return { report: JSON.parse(r.stdout) as WireReport, result: r };
}

t.test('DNS: unit answers', async (t) => {
  // a query for sts.us-east-1.amazonaws.com, type A, RD set
  const name = 'sts.us-east-1.amazonaws.com';
  const q = Buffer.concat([
    Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
  const parsed = parseQuery(q);
  t.match(parsed, { id: 0x1234, name, qtype: 1 });
  const a = answerQuery(q, () => ['203.0.113.10', '10.0.0.1'])!;
  t.equal(a.readUInt16BE(0), 0x1234, 'id echoed');
  t.equal(a.readUInt16BE(2) & 0x800f, 0x8000, 'a response, NOERROR');
  t.equal(a.readUInt16BE(6), 2, 'two answers');
  t.same([...a.subarray(a.length - 4)], [10, 0, 0, 1]);
  t.equal(answerQuery(q, () => 'nxdomain')!.readUInt16BE(2) & 0xf, 3);
  t.equal(answerQuery(q, () => 'servfail')!.readUInt16BE(2) & 0xf, 2);
  t.equal(answerQuery(q, () => 'timeout'), null, 'timeout: never answered');
  const aaaa = Buffer.from(q);
  aaaa.writeUInt16BE(28, q.length - 4);
  const nodata = answerQuery(aaaa, () => ['10.0.0.1'])!;
  t.equal(nodata.readUInt16BE(2) & 0xf, 0, 'AAAA of a known name: NOERROR');
  t.equal(nodata.readUInt16BE(6), 0, '… with no answers');
  t.equal(answerQuery(Buffer.from([1, 2, 3]), () => [])!.readUInt16BE(2) & 0xf, 1, 'garbage: FORMERR');
});

t.test('plan: reach by name, agent/IMDS modes, listeners', async (t) => {
  const w = world({ agent: 'blocked', imds: 'absent' }, {
    hosts: { 'db.example.internal': ['10.0.9.1', '10.0.9.2'] },
    reach: { 'db.example.internal:5432': 'drop', 'athena.us-east-1.amazonaws.com:443': 'drop' },
  }, { targets: [{ name: 'db', host: 'db.example.internal', port: 5432 }] });
  const plan = planSandbox(w);
  t.same(plan.problems, []);
  t.match(plan.nftRuleset, /ip daddr 10\.0\.9\.1 tcp dport 5432 drop/);
  t.match(plan.nftRuleset, /ip daddr 10\.0\.9\.2 tcp dport 5432 drop/);
  t.match(plan.nftRuleset, new RegExp(`ip daddr ${DEFAULT_SERVICE_ADDRESSES.athena.replaceAll('.', '\\.')} tcp dport 443 drop`));
  t.match(plan.nftRuleset, /ip daddr 169\.254\.170\.23 tcp dport 80 drop/);
  t.match(plan.nftRuleset, /ip daddr 169\.254\.169\.254 tcp dport 80 reject with tcp reset/);
  t.same(plan.listeners.map((l) => `${l.address}:${l.port}`).sort(), ['10.0.9.1:5432', '10.0.9.2:5432']);
  // the loader rejects this; the plan still reports it rather than guess
  const unresolvable = world();
  unresolvable.network.reach = { 'nowhere.example.internal:80': 'drop' };
  const bad = planSandbox(unresolvable);
  t.match(bad.problems[0], /nowhere\.example\.internal does not resolve/);
});

t.test('on the wire: DNS, every reach mode, pod-identity env and token, no route out', async (t) => {
  const reach = {
    '10.0.9.1:5439': 'open',
    '10.0.9.2:5439': 'refuse',
    '10.0.9.3:5439': 'drop',
    '10.0.9.4:5439': 'reset',
    '10.0.9.5:5439': 'host-unreachable',
    '10.0.9.6:5439': 'net-unreachable',
    '10.0.9.7:5439': 'slow',
  };
  const w = world({ agent: 'absent' }, {
    hosts: {
      'multi.example.internal': ['10.0.9.1', '10.0.9.7'],
      'gone.example.internal': 'nxdomain',
      'broken.example.internal': 'servfail',
      'silent.example.internal': 'timeout',
      'secretsmanager.us-east-1.amazonaws.com': ['10.0.5.5'],
    },
    reach,
  });
  process.env.GATEWAY_DOCTOR_OUTER_CANARY = 'outer-value-must-not-leak';
  const { report, result } = await wire(
    w,
    {
      names: ['multi.example.internal', 'gone.example.internal', 'broken.example.internal', 'silent.example.internal', 'sts.us-east-1.amazonaws.com', 'sts.amazonaws.com', 'iam.amazonaws.com', 'api.powerbi.com', 'login.microsoftonline.com', 'secretsmanager.us-east-1.amazonaws.com', 'analytics.c9x.us-east-1.redshift.amazonaws.com', 'example.com'],
      connects: [...Object.keys(reach), '169.254.170.23:80'],
      files: [POD_IDENTITY_TOKEN_PATH, IRSA_TOKEN_PATH, '/etc/resolv.conf', '/etc/hosts', '/etc/gateway-doctor/config.yaml', '/work/extra-file-must-not-exist'],
    },
    { EXTRA_FROM_OPTS: 'yes' },
  );
  delete process.env.GATEWAY_DOCTOR_OUTER_CANARY;

  t.test('DNS', async (t) => {
    t.same(report.dns['multi.example.internal'].addresses, ['10.0.9.1', '10.0.9.7']);
    t.equal(report.dns['gone.example.internal'].code, 'ENOTFOUND', 'nxdomain');
    t.equal(report.dns['broken.example.internal'].code, 'ESERVFAIL', 'servfail');
    t.equal(report.dns['silent.example.internal'].code, 'ETIMEOUT', 'timeout');
    t.same(report.dns['sts.us-east-1.amazonaws.com'].addresses, [DEFAULT_SERVICE_ADDRESSES.sts]);
    t.same(report.dns['sts.amazonaws.com'].addresses, [DEFAULT_SERVICE_ADDRESSES['sts-global']]);
    t.same(report.dns['iam.amazonaws.com'].addresses, [DEFAULT_SERVICE_ADDRESSES.iam]);
    t.same(report.dns['api.powerbi.com'].addresses, [DEFAULT_SERVICE_ADDRESSES['powerbi-api']]);
    t.same(report.dns['login.microsoftonline.com'].addresses, [DEFAULT_SERVICE_ADDRESSES['powerbi-login']]);
    t.same(report.dns['secretsmanager.us-east-1.amazonaws.com'].addresses, ['10.0.5.5'], 'a listed AWS name answers as listed');
    t.equal(report.dns['analytics.c9x.us-east-1.redshift.amazonaws.com'].code, 'ENOTFOUND', 'cluster endpoints are not defaulted');
    t.equal(report.dns['example.com'].code, 'ENOTFOUND', 'any other name: NXDOMAIN');
    t.ok(result.dnsQueries.includes('multi.example.internal'), 'the query log');
  });

  t.test('reach modes as a plain connect sees them', async (t) => {
    t.equal(report.tcp['10.0.9.1:5439'].result, 'connected', 'open');
    t.match(report.tcp['10.0.9.2:5439'], { result: 'error', code: 'ECONNREFUSED' }, 'refuse');
    t.equal(report.tcp['10.0.9.3:5439'].result, 'timeout', 'drop');
    t.match(report.tcp['10.0.9.4:5439'], { result: 'reset-after-connect', code: 'ECONNRESET' }, 'reset');
    t.match(report.tcp['10.0.9.5:5439'], { result: 'error', code: 'EHOSTUNREACH' }, 'host-unreachable');
    t.match(report.tcp['10.0.9.6:5439'], { result: 'error', code: 'ENETUNREACH' }, 'net-unreachable');
    t.equal(report.tcp['10.0.9.7:5439'].result, 'connected', 'slow connects');
    t.ok(report.tcp['10.0.9.7:5439'].ms >= 900, 'slow: only after the SYN retransmission (the first SYN was dropped)');
    t.match(report.slowSet, /elements = \{ 10\.0\.9\.7 \. \d+/, 'slow: the dropped SYN is in the nft set');
    t.match(report.tcp['169.254.170.23:80'], { result: 'error', code: 'ECONNREFUSED' }, 'pod.agent absent: refused');
  });

  t.test('files', async (t) => {
    const token = report.files[POD_IDENTITY_TOKEN_PATH]!;
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    t.equal(claims.sub, 'system:serviceaccount:xpander:ai-gateway');
    t.same(claims.aud, ['pods.eks.amazonaws.com']);
    t.equal(claims['kubernetes.io'].pod.name, w.pod.name);
    t.equal(claims['kubernetes.io'].pod.uid, w.pod.uid);
    t.ok(claims.exp > Date.now() / 1000, 'valid: not expired');
    t.equal(report.files[IRSA_TOKEN_PATH], null, 'no IRSA token for pod-identity');
    t.equal(report.files['/etc/resolv.conf'], 'nameserver 127.0.0.53\noptions timeout:1 attempts:1\n');
    t.notMatch(report.files['/etc/hosts'], /10\.|203\./, 'hosts holds localhost only');
    t.match(report.files['/etc/gateway-doctor/config.yaml'], /roleArn: arn:aws:iam::111122223333:role\/ai-gateway[\s\S]*region: us-east-1/);
  });

  t.test('env: the pod variables, and of the outer environment only PATH', async (t) => {
    const env = report.env;
    t.equal(env.AWS_CONTAINER_CREDENTIALS_FULL_URI, 'http://169.254.170.23/v1/credentials');
    t.equal(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, POD_IDENTITY_TOKEN_PATH);
    t.equal(env.AWS_REGION, 'us-east-1');
    t.equal(env.AWS_DEFAULT_REGION, 'us-east-1');
    t.equal(env.KUBERNETES_SERVICE_HOST, '10.100.0.1');
    t.equal(env.KUBERNETES_SERVICE_PORT, '443');
    t.equal(env.POD_IP, '10.0.3.17');
    t.equal(env.POD_NAME, w.pod.name);
    t.equal(env.POD_NAMESPACE, 'xpander');
    t.equal(env.NODE_NAME, w.pod.nodeName);
    t.equal(env.EXTRA_FROM_OPTS, 'yes', 'opts.env added');
    t.equal(env.PATH, process.env.PATH, 'PATH from outside');
    t.not(env.HOME, process.env.HOME, 'a fresh HOME');
    t.match(env.NODE_EXTRA_CA_CERTS, /test-ca\.pem$/);
    t.equal(env.AWS_CA_BUNDLE, env.NODE_EXTRA_CA_CERTS);
    t.equal(env.AWS_ROLE_ARN, undefined);
    t.equal(env.AWS_ACCESS_KEY_ID, undefined);
    const allowed = new Set(['PATH', 'HOME', 'NODE_EXTRA_CA_CERTS', 'AWS_CA_BUNDLE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'POD_IP', 'POD_NAME', 'POD_NAMESPACE', 'NODE_NAME', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'EXTRA_FROM_OPTS']);
    t.same(Object.keys(env).filter((k) => !allowed.has(k)), [], 'no other variable');
    t.notOk(Object.values(env).includes('outer-value-must-not-leak'));
  });

  t.test('no route out of the namespace', async (t) => {
    t.equal(report.routeOut.ok, false, 'ip route get 192.0.2.1 finds no route');
    t.match(report.routeOut.out, /unreachable/i);
    t.notMatch(report.routes, /default/, 'no default route');
    const links = report.links.split('\n').filter(Boolean).map((l) => l.split(':')[1].trim().split('@')[0]);
    t.same(links.sort(), ['eth0', 'lo', 'veth0'], 'only the sandbox links');
  });
});

t.test('env and token files per pod mode', async (t) => {
  const cases: Array<[string, Record<string, unknown>, (r: WireReport) => void]> = [
    ['irsa', { injected: 'irsa', irsa: { roleArn: 'arn:aws:iam::111122223333:role/irsa-role' } }, (r) => {
      t.equal(r.env.AWS_ROLE_ARN, 'arn:aws:iam::111122223333:role/irsa-role');
      t.equal(r.env.AWS_WEB_IDENTITY_TOKEN_FILE, IRSA_TOKEN_PATH);
      t.equal(r.env.AWS_STS_REGIONAL_ENDPOINTS, 'regional');
      t.equal(r.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, undefined);
      const claims = JSON.parse(Buffer.from(r.files[IRSA_TOKEN_PATH]!.split('.')[1], 'base64url').toString());
      t.same(claims.aud, ['sts.amazonaws.com']);
      t.equal(r.files[POD_IDENTITY_TOKEN_PATH], null);
    }],
    ['both, expired token', { injected: 'both', token: 'expired' }, (r) => {
      t.equal(r.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, 'http://169.254.170.23/v1/credentials');
      t.equal(r.env.AWS_ROLE_ARN, ROLE);
      const claims = JSON.parse(Buffer.from(r.files[POD_IDENTITY_TOKEN_PATH]!.split('.')[1], 'base64url').toString());
      t.ok(claims.exp < Date.now() / 1000, 'expired');
      t.type(r.files[IRSA_TOKEN_PATH], 'string');
    }],
    ['none', { injected: 'none' }, (r) => {
      for (const k of ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ACCESS_KEY_ID'])
        t.equal(r.env[k], undefined, `${k} unset`);
      t.equal(r.files[POD_IDENTITY_TOKEN_PATH], null);
      t.equal(r.env.POD_NAMESPACE, 'xpander', 'the downward-API variables stay');
    }],
    ['empty token', { token: 'empty' }, (r) => t.equal(r.files[POD_IDENTITY_TOKEN_PATH], '')],
    ['malformed token', { token: 'malformed' }, (r) => {
      const token = r.files[POD_IDENTITY_TOKEN_PATH]!;
      t.ok(token.length > 0 && token.split('.').length !== 3, 'not JWT-shaped');
    }],
  ];
  const runs = await Promise.all(
    cases.map(([, pod]) => wire(world(pod), { files: [POD_IDENTITY_TOKEN_PATH, IRSA_TOKEN_PATH] }).then((x) => x.report)),
  );
  cases.forEach(([what, , check], i) => t.test(what, async () => check(runs[i])));
});

t.test('a command that hangs is killed at the deadline; steps run in order in one sandbox', async (t) => {
  const w = world();
  const hung = await runInSandbox({ world: w, standin: false, cmd: ['sleep', '30'], timeoutMs: 1500 });
  t.equal(hung.steps[0].timedOut, true);
  t.not(hung.exitCode, 0);
  const steps = await runInSandbox({
    world: w,
    standin: false,
    steps: [['sh', '-c', 'echo first > "$HOME/mark"; echo done > /dev/termination-log'], ['sh', '-c', 'cat "$HOME/mark"; cat "$HOME/given.txt"; exit 7']],
    files: { 'given.txt': 'from opts.files\n' },
  });
  t.equal(steps.steps.length, 2);
  t.equal(steps.steps[0].exitCode, 0);
  t.equal(steps.exitCode, 7, 'the last step decides exitCode');
  t.equal(steps.stdout, 'first\nfrom opts.files\n');
  t.equal(steps.terminationLog, 'done\n', '/dev/termination-log is a per-run file');
  await t.rejects(runInSandbox({ world: w, standin: false, cmd: ['true'], files: { '/etc/passwd': 'x' } }), /only paths relative to HOME/);
});

t.test('when the caller dies, the sandbox and everything in it die too (no orphans)', async (t) => {
  const { spawn, execFileSync } = await import('node:child_process');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const marker = String(4000 + Math.floor(Math.random() * 50000));
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-orphan-'));
  const script = join(dir, 'caller.mts');
  writeFileSync(
    script,
    `import { runInSandbox } from ${JSON.stringify(join(import.meta.dirname, 'index.ts'))};\n` +
      `const world = JSON.parse(process.argv[2]);\n` +
      `await runInSandbox({ world, standin: false, cmd: ['sleep', '${marker}.5'] });\n`,
  );
  const caller = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(world())], { stdio: 'ignore' });
  const sleeping = () => {
    try {
      return execFileSync('pgrep', ['-f', `sleep ${marker}.5`], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const waitFor = async (cond: () => boolean, limitMs: number) => {
    for (const end = Date.now() + limitMs; Date.now() < end; ) {
      if (cond()) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return cond();
  };
  t.ok(await waitFor(() => sleeping() !== '', 30_000), 'the command runs inside the sandbox');
  caller.kill('SIGKILL');
  t.ok(await waitFor(() => sleeping() === '', 15_000), 'gone once the caller is killed');
});

t.test('static-keys: the env carries long-term keys the stand-in issued', async (t) => {
  const w = world({ injected: 'static-keys' });
  const r = await runInSandbox({ world: w, cmd: ['sh', '-c', 'echo "$AWS_ACCESS_KEY_ID"; [ -n "$AWS_SECRET_ACCESS_KEY" ] && echo secret-set; echo "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-no-pod-identity}"'] });
  const [keyId, secretSet, fullUri] = r.stdout.trim().split('\n');
  t.match(keyId, /^AKIA[A-Z0-9]{16}$/);
  t.equal(secretSet, 'secret-set');
  t.equal(fullUri, 'no-pod-identity');
  t.match(r.issued.find((c) => c.accessKeyId === keyId), { via: 'static' }, 'issued by the stand-in, for the node role by default');
});

// Runs inside the sandbox's fresh network + mount (+ pid) namespace, started by runInSandbox through unshare:
// builds the pod's network (loopback addresses, a veth pair with the pod IP on eth0, nftables for
// `network.reach`), its files (resolv.conf, hosts, tokens, the config), DNS, target listeners and the
// stand-in, then runs the product's steps with a clean env and writes the result file. Never used outside.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, readlinkSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { constants as osConstants } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { startDnsServer, type DnsServer } from './dns.ts';
import { planSandbox, resolveInWorld, DNS_ADDRESS, AGENT_ADDRESS, type Endpoint } from './plan.ts';
import { IRSA_TOKEN_PATH, POD_IDENTITY_TOKEN_PATH, irsaTokenFile, podIdentityTokenFile } from './token.ts';
import type { SandboxResultFile, SandboxSpec, StepResult } from './spec.ts';

const spec: SandboxSpec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const logFile = join(spec.runDir, 'sandbox.log');
const log = (line: string) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);

function sh(cmd: string, args: string[], input?: string): void {
  try {
    execFileSync(cmd, args, { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
  } catch (e: any) {
    throw new Error(`${cmd} ${args.join(' ')}: ${String(e.stderr ?? e.message).trim()}`);
  }
}

const CONFIG_DIR = '/etc/gateway-doctor';
const SECRETS_DIR = '/var/run/secrets';
const TERMINATION_LOG = '/dev/termination-log';

function setUpNetwork(addresses: string[], podIp: string, ruleset: string): void {
  const batch = ['link set lo up', ...addresses.map((a) => `addr add ${a}/32 dev lo`)];
  batch.push('link add veth0 type veth peer name eth0', `addr add ${podIp}/32 dev eth0`, 'link set eth0 up', 'link set veth0 up');
  sh('ip', ['-batch', '-'], batch.join('\n') + '\n');
  sh('nft', ['-f', '-'], ruleset);
}

/** A mount point that exists only inside the sandbox: an overlay (upper layer on a private tmpfs) over `base`,
 *  so the directory is made without touching the host. Falls back to creating the (empty) directory on the
 *  host when overlays are unavailable (as root only). */
function privateMountPoint(base: string, dir: string, scratch: string): void {
  if (existsSync(dir)) return;
  const name = base.replaceAll('/', '_');
  const up = join(scratch, `${name}-up`);
  const work = join(scratch, `${name}-work`);
  mkdirSync(up, { recursive: true });
  mkdirSync(work, { recursive: true });
  try {
    sh('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${base},upperdir=${up},workdir=${work}`, base]);
  } catch (e) {
    log(`overlay on ${base} unavailable (${(e as Error).message}); creating ${dir} on the host`);
  }
  mkdirSync(dir, { recursive: true });
}

function setUpFiles(world: SandboxSpec['world'], home: string): void {
  sh('mount', ['--make-rprivate', '/']);
  // overlay upper layers live on a tmpfs of our own (an overlay cannot use overlayfs, e.g. a container's /tmp)
  const scratch = join(spec.runDir, 'overlays');
  mkdirSync(scratch, { recursive: true });
  sh('mount', ['-t', 'tmpfs', '-o', 'mode=0755,size=16m', 'tmpfs', scratch]);
  privateMountPoint('/etc', CONFIG_DIR, scratch);
  privateMountPoint('/run', '/run/secrets', scratch);
  sh('mount', ['-t', 'tmpfs', '-o', 'mode=0755,size=4m', 'tmpfs', SECRETS_DIR]);
  sh('mount', ['-t', 'tmpfs', '-o', 'mode=0755,size=4m', 'tmpfs', CONFIG_DIR]);

  const etc = join(spec.runDir, 'etc');
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, 'resolv.conf'), `nameserver ${DNS_ADDRESS}\noptions timeout:1 attempts:1\n`);
  writeFileSync(join(etc, 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  sh('mount', ['--bind', join(etc, 'resolv.conf'), '/etc/resolv.conf']);
  sh('mount', ['--bind', join(etc, 'hosts'), '/etc/hosts']);

  // the Job's termination message: a per-run file over /dev/termination-log (the mount point is an empty
  // file on the host's /dev, created once), read back into the result
  writeFileSync(join(spec.runDir, 'termination-log'), '');
  try {
    if (!existsSync(TERMINATION_LOG)) writeFileSync(TERMINATION_LOG, '');
    sh('mount', ['--bind', join(spec.runDir, 'termination-log'), TERMINATION_LOG]);
  } catch (e) {
    log(`no /dev/termination-log in this sandbox: ${(e as Error).message}`);
  }

  const write = (path: string, content: string, mode = 0o644) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { mode });
  };
  const injected = world.pod.injected;
  if (injected === 'pod-identity' || injected === 'both') write(POD_IDENTITY_TOKEN_PATH, podIdentityTokenFile(world));
  if (injected === 'irsa' || injected === 'both') write(IRSA_TOKEN_PATH, irsaTokenFile(world));
  write(join(CONFIG_DIR, 'config.yaml'), stringify({ ...world.gateway, region: world.region }));

  for (const [path, content] of Object.entries(spec.files)) {
    if (!isAbsolute(path)) write(resolve(home, path), content);
    else if (path.startsWith(`${CONFIG_DIR}/`) || path.startsWith(`${SECRETS_DIR}/`) || path.startsWith('/run/secrets/') || path.startsWith(`${home}/`))
      write(path, content);
    else throw new Error(`files["${path}"]: only paths relative to HOME, under ${CONFIG_DIR}/ or under ${SECRETS_DIR}/ can be placed in the sandbox`);
  }
}

/** TCP listeners for the targets: accept and wait, or (reset) accept and reset. */
async function startListeners(listeners: Endpoint[]): Promise<net.Server[]> {
  const servers: net.Server[] = [];
  for (const e of listeners) {
    const server = net.createServer((sock) => {
      sock.on('error', () => {});
      if (e.mode === 'reset') setTimeout(() => sock.resetAndDestroy(), 20);
    });
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(e.port, e.address, () => res());
    }).catch((err) => log(`listener ${e.address}:${e.port}: ${err.message}`));
    servers.push(server);
  }
  return servers;
}

function productEnv(world: SandboxSpec['world'], home: string, staticKeys?: { accessKeyId: string; secretAccessKey: string }): Record<string, string> {
  const env: Record<string, string> = {
    PATH: spec.path,
    HOME: home,
    NODE_EXTRA_CA_CERTS: spec.certs.caCertPath,
    AWS_CA_BUNDLE: spec.certs.caCertPath,
    AWS_REGION: world.region,
    AWS_DEFAULT_REGION: world.region,
    KUBERNETES_SERVICE_HOST: '10.100.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    POD_IP: world.pod.ip,
    POD_NAME: world.pod.name,
    POD_NAMESPACE: world.pod.namespace,
    NODE_NAME: world.pod.nodeName,
  };
  const injected = world.pod.injected;
  if (injected === 'pod-identity' || injected === 'both') {
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://${AGENT_ADDRESS}/v1/credentials`;
    env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = POD_IDENTITY_TOKEN_PATH;
  }
  if (injected === 'irsa' || injected === 'both') {
    env.AWS_ROLE_ARN = world.pod.irsa?.roleArn ?? world.gateway.roleArn;
    env.AWS_WEB_IDENTITY_TOKEN_FILE = IRSA_TOKEN_PATH;
    env.AWS_STS_REGIONAL_ENDPOINTS = 'regional';
  }
  if (injected === 'static-keys' && staticKeys) {
    env.AWS_ACCESS_KEY_ID = staticKeys.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = staticKeys.secretAccessKey;
  }
  return { ...env, ...spec.env };
}

function substitute(text: string, harness?: { accessKeyId: string; secretAccessKey: string }): string {
  return text
    .replaceAll('{{harness.accessKeyId}}', harness?.accessKeyId ?? '')
    .replaceAll('{{harness.secretAccessKey}}', harness?.secretAccessKey ?? '');
}

async function runStep(index: number, cmd: string[], env: Record<string, string>): Promise<StepResult> {
  const started = Date.now();
  const outPath = join(spec.runDir, `step-${index}.stdout`);
  const errPath = join(spec.runDir, `step-${index}.stderr`);
  const stdio: any =
    spec.stdio === 'inherit' ? 'inherit' : ['ignore', openSync(outPath, 'w'), openSync(errPath, 'w')];
  const [file, ...args] = cmd;
  return await new Promise<StepResult>((resolveStep) => {
    let timedOut = false;
    const child = spawn(file, args, { cwd: spec.repoRoot, env, stdio });
    if (Array.isArray(stdio)) {
      closeSync(stdio[1]);
      closeSync(stdio[2]);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, Math.max(1, deadline - Date.now()));
    running.add(child);
    child.on('exit', () => running.delete(child));
    const finish = (exitCode: number, signal?: string, spawnError?: string) => {
      clearTimeout(timer);
      const read = (p: string) => {
        try {
          return readFileSync(p, 'utf8');
        } catch {
          return '';
        }
      };
      resolveStep({
        cmd,
        exitCode,
        signal,
        timedOut,
        durationMs: Date.now() - started,
        stdout: spec.stdio === 'inherit' ? '' : read(outPath),
        stderr: (spec.stdio === 'inherit' ? '' : read(errPath)) + (spawnError ? `sandbox: cannot run ${file}: ${spawnError}\n` : ''),
      });
    };
    child.on('error', (e) => finish(127, undefined, e.message));
    child.on('exit', (code, signal) => finish(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 9) : 0), signal ?? undefined));
  });
}

// every step shares the run's deadline
const deadline = Date.now() + spec.stepTimeoutMs;
const running = new Set<ReturnType<typeof spawn>>();

// fd 3 is a pipe from runInSandbox: when the caller goes away (killed, crashed), it closes and the sandbox ends
// with it, instead of running on as an orphan
try {
  const lifeline = new net.Socket({ fd: 3, readable: true, writable: false });
  lifeline.on('error', () => {});
  lifeline.on('close', () => {
    for (const c of running) c.kill('SIGKILL');
    process.exit(1);
  });
  lifeline.resume();
} catch {
  // started by hand without the pipe: no lifeline
}

const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();

async function main(): Promise<void> {
  const result: SandboxResultFile = { steps: [], requests: [], issued: [], dnsQueries: [], productEnv: {} };
  const closers: Array<() => Promise<unknown> | unknown> = [];
  try {
    const world = spec.world;
    // never touch the host's network or mounts: refuse to go on unless unshare gave us namespaces of our own
    for (const ns of ['net', 'mnt'] as const) {
      if (readlinkSync(`/proc/self/ns/${ns}`) === spec.outerNamespaces[ns]) throw new Error(`not in a ${ns} namespace of its own`);
    }
    const plan = planSandbox(world);
    if (plan.problems.length) throw new Error(plan.problems.join('\n'));
    setUpNetwork(plan.addresses, world.pod.ip, plan.nftRuleset);
    log(`network: ${plan.addresses.length} addresses, ${plan.endpoints.length} endpoints`);
    const home = join(spec.runDir, 'home');
    mkdirSync(home, { recursive: true });
    setUpFiles(world, home);

    const dns: DnsServer = await startDnsServer((name) => resolveInWorld(world, name), DNS_ADDRESS, 53);
    closers.push(() => dns.close());
    const listeners = await startListeners(plan.listeners);
    closers.push(() => Promise.all(listeners.map((s) => new Promise((r) => s.close(r)))));

    let standin: any;
    if (spec.standin) {
      const mod = await import(pathToFileURL(join(spec.repoRoot, 'test/standin/index.ts')).href);
      const untrustedHosts = Object.entries(world.network.tls).filter(([, v]) => v === 'untrusted').map(([h]) => h);
      standin = await mod.startStandin({
        world,
        tls: {
          key: spec.certs.serverKey,
          cert: spec.certs.serverCert,
          untrusted: { key: spec.certs.untrustedKey, cert: spec.certs.untrustedCert },
          untrustedHosts,
        },
        faults: world.faults,
      });
      closers.push(() => standin.close());
    }

    let staticKeys: { accessKeyId: string; secretAccessKey: string } | undefined;
    if (world.pod.injected === 'static-keys') {
      const arn = world.pod.staticKeysFor ?? world.pod.nodeRoleArn;
      if (typeof standin?.issueStaticKeys === 'function') staticKeys = await standin.issueStaticKeys(arn);
      else staticKeys = standin?.issued?.find((c: any) => c.via === 'static');
      if (!staticKeys) log('static-keys: the stand-in issued no static keys; AWS_ACCESS_KEY_ID not set');
    }

    const env = productEnv(world, home, staticKeys);
    result.productEnv = env;
    const harness = standin?.harnessCredentials;
    for (const [i, step] of spec.steps.entries()) {
      const stepEnv = { ...env, ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(v, harness)])) };
      const r = await runStep(i, step.cmd.map((a) => substitute(a, harness)), stepEnv);
      result.steps.push(r);
      log(`step ${i}: ${step.cmd.join(' ')} → ${r.exitCode}${r.timedOut ? ' (timed out)' : ''} in ${r.durationMs} ms`);
    }
    result.dnsQueries = dns.queries;
    log(`event loop delay: max ${Math.round(loopDelay.max / 1e6)} ms, p99 ${Math.round(loopDelay.percentile(99) / 1e6)} ms`);
    result.terminationLog = readFileSync(join(spec.runDir, 'termination-log'), 'utf8');
    if (standin) {
      result.requests = standin.requests;
      result.issued = standin.issued;
      result.harnessCredentials = standin.harnessCredentials;
    }
  } catch (e) {
    result.error = (e as Error).stack ?? String(e);
    log(`error: ${result.error}`);
  } finally {
    writeFileSync(join(spec.runDir, 'result.json'), JSON.stringify(result));
    await Promise.race([Promise.allSettled(closers.reverse().map((c) => c())), new Promise((r) => setTimeout(r, 2000))]);
    // pid 1 of the namespace: exiting takes every remaining process of the sandbox with it
    process.exit(0);
  }
}

void main();

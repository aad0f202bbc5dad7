// The pod sandbox (WORLD.md "The pod sandbox"): runs the product — or any command — inside a fresh network,
// mount and pid namespace that looks like the gateway's pod, with the AWS stand-in in it. Nothing inside can
// reach anything outside (there is no route out), and everything dies with the namespace's first process.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWorld } from '../world/load.ts';
import type { World } from '../world/types.ts';
import { sandboxCerts } from './certs.ts';
import type { SandboxResultFile, SandboxSpec, StepResult, StepSpec } from './spec.ts';

export type { StepResult, StepSpec } from './spec.ts';
export { POD_IDENTITY_TOKEN_PATH, IRSA_TOKEN_PATH } from './token.ts';
export { DEFAULT_SERVICE_ADDRESSES, AGENT_ADDRESS, IMDS_ADDRESS, DNS_ADDRESS, planSandbox, resolveInWorld } from './plan.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CONFIG_PATH = '/etc/gateway-doctor/config.yaml';
/** What `gateway-doctor` is given by default: the full run as the Job does it, JSON on stdout. */
export const DEFAULT_ARGS = ['run', '--config', CONFIG_PATH, '--format', 'json'];

export interface SandboxOptions {
  /** a loaded world, or the path of a world file */
  world: World | string;
  /** gateway-doctor's arguments (default `run --config /etc/gateway-doctor/config.yaml --format json`) */
  args?: string[];
  /** added to the product's env (after the pod's variables) */
  env?: Record<string, string>;
  /** files to place: paths relative to HOME, or under /etc/gateway-doctor/ or /var/run/secrets/ */
  files?: Record<string, string>;
  /** 'inherit' hands the terminal to the product (the TUI) */
  stdio?: 'pipe' | 'inherit';
  /** a whole command instead of gateway-doctor (e.g. ['node', '--import', 'tsx', 'x.ts'] or ['/usr/bin/aws', ...]) */
  cmd?: string[];
  /**
   * several commands run one after another in the same sandbox (e.g. apply a remedy with the AWS CLI, then rerun).
   * `{{harness.accessKeyId}}` / `{{harness.secretAccessKey}}` in a step's args or env become the stand-in's harness
   * credentials. Overrides cmd/args.
   */
  steps?: Array<string[] | StepSpec>;
  /** whole-run deadline (default 120 s): on expiry every process of the sandbox is killed */
  timeoutMs?: number;
  /** start the AWS stand-in (default true) */
  standin?: boolean;
  /** keep the run's temp dir (also with GATEWAY_DOCTOR_SANDBOX_KEEP=1) */
  keep?: boolean;
}

export interface SandboxResult {
  /** of the last step */
  exitCode: number;
  stdout: string;
  stderr: string;
  /** the stand-in's request log */
  requests: any[];
  /** every credential the stand-in handed out (the leak test searches outputs for them) */
  issued: SandboxResultFile['issued'];
  harnessCredentials?: { accessKeyId: string; secretAccessKey: string };
  durationMs: number;
  steps: StepResult[];
  /** names the sandbox's DNS server was asked, in order */
  dnsQueries: string[];
  /** what the steps wrote to /dev/termination-log (a per-run file inside the sandbox) */
  terminationLog: string;
  /** the env the product was started with (before per-step additions) */
  productEnv: Record<string, string>;
  /** the sandbox's own log (set-up, steps), for debugging */
  sandboxLog: string;
  world: World;
}

export class SandboxError extends Error {
  constructor(message: string, readonly sandboxLog: string) {
    super(message);
    this.name = 'SandboxError';
  }
}

export function defaultProductCmd(args: string[] = DEFAULT_ARGS): string[] {
  return [process.execPath, '--import', 'tsx', 'packages/cli/src/bin.ts', ...args];
}

/** Runs the product (or opts.cmd / opts.steps) inside a fresh pod sandbox for the world. */
export async function runInSandbox(opts: SandboxOptions): Promise<SandboxResult> {
  const started = Date.now();
  const world = typeof opts.world === 'string' ? loadWorld(opts.world).world : opts.world;
  const certs = sandboxCerts();
  const runDir = mkdtempSync(join(tmpdir(), 'gateway-doctor-sandbox-'));
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const steps: StepSpec[] = opts.steps
    ? opts.steps.map((s) => (Array.isArray(s) ? { cmd: s } : s))
    : [{ cmd: opts.cmd ?? defaultProductCmd(opts.args) }];
  const spec: SandboxSpec = {
    world,
    repoRoot: REPO_ROOT,
    runDir,
    path: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    steps,
    env: opts.env ?? {},
    files: opts.files ?? {},
    stdio: opts.stdio ?? 'pipe',
    standin: opts.standin ?? true,
    certs: {
      caCertPath: certs.caCertPath,
      serverKey: certs.server.key,
      serverCert: certs.server.cert,
      untrustedKey: certs.untrusted.key,
      untrustedCert: certs.untrusted.cert,
    },
    stepTimeoutMs: timeoutMs,
    outerNamespaces: { net: readlinkSync('/proc/self/ns/net'), mnt: readlinkSync('/proc/self/ns/mnt') },
  };
  const specPath = join(runDir, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));

  const unshareArgs = ['--net', '--mount', '--pid', '--fork', '--mount-proc', '--kill-child'];
  if (process.getuid?.() !== 0) unshareArgs.unshift('--map-root-user');
  const inside = join(REPO_ROOT, 'test/sandbox/inside.ts');
  const inherit = spec.stdio === 'inherit';
  // `env -i`: whatever the calling process's instrumentation adds to a spawned env (tap's processinfo adds
  // NODE_OPTIONS and _TAPJS_* variables) stops here; the product's env is built from scratch inside
  const harnessEnv = [`PATH=${spec.path}`, `HOME=${process.env.HOME ?? '/root'}`, `TMPDIR=${tmpdir()}`];
  const child = spawn('unshare', [...unshareArgs, 'env', '-i', ...harnessEnv, process.execPath, '--import', 'tsx', inside, specPath], {
    cwd: REPO_ROOT,
    env: { PATH: spec.path },
    // fd 3: the lifeline pipe (inside.ts exits when it closes)
    stdio: inherit ? ['inherit', 'inherit', 'inherit', 'pipe'] : ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let harnessOutput = '';
  child.stdout?.on('data', (d) => (harnessOutput += d));
  child.stderr?.on('data', (d) => (harnessOutput += d));
  let timedOut = false;
  // the step deadline fires first inside; this one covers set-up and a wedged harness
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL'); // --kill-child: the namespace's pid 1 dies, and with it every process inside
  }, timeoutMs + 15_000);
  const code = await new Promise<number | null>((res) => {
    child.on('exit', (c) => res(c));
    child.on('error', () => res(null));
  });
  clearTimeout(timer);
  (child.stdio[3] as import('node:stream').Duplex | null)?.destroy();

  const readOr = (p: string, d: string) => (existsSync(p) ? readFileSync(p, 'utf8') : d);
  const sandboxLog = readOr(join(runDir, 'sandbox.log'), '') + harnessOutput;
  const resultPath = join(runDir, 'result.json');
  const keep = opts.keep || process.env.GATEWAY_DOCTOR_SANDBOX_KEEP === '1';
  try {
    if (!existsSync(resultPath))
      throw new SandboxError(
        `sandbox for world ${world.name} ended without a result (${timedOut ? 'timed out' : `exit ${code}`})\n${sandboxLog}`,
        sandboxLog,
      );
    const result: SandboxResultFile = JSON.parse(readFileSync(resultPath, 'utf8'));
    if (result.error) throw new SandboxError(`sandbox for world ${world.name}: ${result.error}`, sandboxLog);
    const last = result.steps[result.steps.length - 1];
    return {
      exitCode: last?.exitCode ?? -1,
      stdout: last?.stdout ?? '',
      stderr: last?.stderr ?? '',
      requests: result.requests,
      issued: result.issued,
      harnessCredentials: result.harnessCredentials,
      durationMs: Date.now() - started,
      steps: result.steps,
      dnsQueries: result.dnsQueries,
      terminationLog: result.terminationLog ?? '',
      productEnv: result.productEnv,
      sandboxLog,
      world,
    };
  } finally {
    if (!keep) rmSync(runDir, { recursive: true, force: true });
    else process.stderr.write(`sandbox run dir kept: ${runDir}\n`);
  }
}

// The hand-over between runInSandbox (outside) and inside.ts (in the namespace): the spec file it writes and the
// result file inside.ts writes back. Both live in the run's temp dir, which both sides see.
import type { World } from '../world/types.ts';

export interface StepSpec {
  cmd: string[];
  env?: Record<string, string>;
}

export interface SandboxSpec {
  world: World;
  repoRoot: string;
  runDir: string;
  /** the outer PATH: the only variable of the outer environment the product sees */
  path: string;
  steps: StepSpec[];
  env: Record<string, string>;
  files: Record<string, string>;
  stdio: 'pipe' | 'inherit';
  /** start the stand-in (false: only the network, DNS, files and env — for the sandbox's own tests) */
  standin: boolean;
  certs: { caCertPath: string; serverKey: string; serverCert: string; untrustedKey: string; untrustedCert: string };
  stepTimeoutMs: number;
  /** the caller's namespaces (`/proc/self/ns/*` links): inside must be in others */
  outerNamespaces: { net: string; mnt: string };
}

export interface StepResult {
  cmd: string[];
  exitCode: number;
  signal?: string;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
}

export interface SandboxResultFile {
  steps: StepResult[];
  requests: unknown[];
  issued: Array<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; arn: string; via: string }>;
  harnessCredentials?: { accessKeyId: string; secretAccessKey: string };
  dnsQueries: string[];
  /** what was written to /dev/termination-log (a per-run file inside the sandbox) */
  terminationLog?: string;
  /** the env the product's steps got (before per-step additions), for tests */
  productEnv: Record<string, string>;
  error?: string;
}

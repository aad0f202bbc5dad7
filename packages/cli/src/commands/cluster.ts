// `gateway-doctor cluster`: from a laptop, run the probes as a Job in the cluster (the gateway's ServiceAccount,
// its namespace, its nodes), stream the pod's events into the same renderers as a local run, and clean up.
// Several --context flags run the same check across a fleet, one Job per context, one report each.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Config, Report, RunEvent } from '@gateway-doctor/core/types.ts';
import { EXIT } from '@gateway-doctor/core/types.ts';
import { loadConfig, CONFIG_FLAGS } from '@gateway-doctor/core/config.ts';
import { redact } from '@gateway-doctor/core/redact.ts';
import { formats, renderReport, isMachineFormat } from '@gateway-doctor/core/report/index.ts';
import { colorAllowed } from '@gateway-doctor/core/report/text.ts';
import { parseArgs, last, reportConfigError } from './run.ts';
import { renderPlainLive } from '../plain.ts';
import { DEFAULT_IMAGE } from '../cluster/objects.ts';
import type { LaunchOptions } from '../cluster/launch.ts';

export const CLUSTER_USAGE = `Usage: gateway-doctor cluster [--config FILE] [--context NAME ...] [--namespace NS] [--service-account SA]
                              [--image IMAGE] [--kubeconfig FILE] [--timeout SECONDS] [--keep]
                              [--format text|json|junit|sarif|markdown] [--output FILE] [--plain] [--<config-field> VALUE ...]

Creates a ConfigMap and a Job in the gateway's namespace that runs every probe from a pod with the gateway's
ServiceAccount, streams the results here, and deletes both at the end (on success, failure and Ctrl-C) unless
--keep. Namespace: --namespace, else the config's namespace, else the context's. ServiceAccount:
--service-account, else the config's serviceAccount. Image: --image (default ${DEFAULT_IMAGE}).
Repeat --context to check several clusters; the exit code is the highest of the runs.
Exit: as \`gateway-doctor run\`; 5 when the Job could not report (RBAC, image pull, scheduling, deadline).`;

const BOOLEANS = new Set(['help', 'keep', 'plain', 'warn-ok', 'no-color']);
const OWN_VALUES = new Set(['config', 'context', 'namespace', 'service-account', 'image', 'kubeconfig', 'timeout', 'format', 'output', 'unschedulable-grace', 'poll-ms']);

function usageError(message: string): number {
  process.stderr.write(`gateway-doctor cluster: ${redact(message)}\n\n${CLUSTER_USAGE}\n`);
  return EXIT.USAGE;
}

/** The config the Job mounts: what was loaded here, with NDJSON output so this side can render it. */
export function jobConfigYaml(config: Config, YAML: { stringify(v: unknown): string }): string {
  const { podIp: _podIp, ...rest } = config;
  return YAML.stringify({ ...rest, options: { ...config.options, output: 'ndjson' } });
}

async function* tee(events: AsyncIterable<RunEvent>, seen: RunEvent[]): AsyncGenerator<RunEvent> {
  for await (const e of events) {
    seen.push(e);
    yield e;
  }
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, BOOLEANS);
  if (args.switches.has('help')) {
    process.stdout.write(`${CLUSTER_USAGE}\n`);
    return EXIT.OK;
  }
  if (args.problems.length) return usageError(args.problems.join('; '));
  if (args.positional.length) return usageError(`unexpected argument ${JSON.stringify(args.positional[0])}`);
  const configFlags: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(args.values)) {
    if (OWN_VALUES.has(name)) continue;
    if (!CONFIG_FLAGS.has(name)) return usageError(`unknown option --${name}`);
    configFlags[name] = value;
  }
  const format = last(args.values.format) ?? 'text';
  if (!formats[format]) return usageError(`--format must be one of ${Object.keys(formats).join(', ')}, got ${JSON.stringify(format)}`);
  const timeoutText = last(args.values.timeout) ?? '300';
  const timeoutSeconds = Number(timeoutText);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 86400) return usageError(`--timeout must be seconds between 1 and 86400, got ${JSON.stringify(timeoutText)}`);
  const graceText = last(args.values['unschedulable-grace']) ?? '20';
  const grace = Number(graceText);
  if (!Number.isFinite(grace) || grace < 0) return usageError(`--unschedulable-grace must be seconds >= 0, got ${JSON.stringify(graceText)}`);
  const pollMs = Number(last(args.values['poll-ms']) ?? '1000');
  if (!Number.isFinite(pollMs) || pollMs < 10) return usageError('--poll-ms must be a number of milliseconds >= 10');

  const env = process.env;
  let config: Config;
  try {
    // The config describes the gateway; it is loaded as on a laptop (no pod defaults) and mounted in the Job.
    config = loadConfig({ ...(last(args.values.config) !== undefined ? { file: last(args.values.config)! } : {}), env, flags: configFlags, where: 'laptop' });
  } catch (err) {
    return reportConfigError(err);
  }
  const serviceAccount = last(args.values['service-account']) ?? config.serviceAccount;
  if (!serviceAccount) return usageError('the gateway ServiceAccount is needed: --service-account SA, or serviceAccount in the config');
  const namespace = last(args.values.namespace) ?? config.namespace;
  // flags the API would reject, and kubeconfig files the client cannot open, are usage errors (exit 2) here,
  // before anything is created — not an "internal error" from deep inside the Kubernetes client
  if (last(args.values.namespace) !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace!)) return usageError(`--namespace must be a Kubernetes namespace name (lowercase DNS label), got ${JSON.stringify(namespace)}`);
  if (last(args.values['service-account']) !== undefined && !/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(serviceAccount)) return usageError(`--service-account must be a Kubernetes ServiceAccount name, got ${JSON.stringify(serviceAccount)}`);
  if (last(args.values.image) !== undefined && !/^[^\s]+$/.test(last(args.values.image)!)) return usageError(`--image must be an image reference, got ${JSON.stringify(last(args.values.image))}`);
  const kubeconfigFlag = last(args.values.kubeconfig);
  const kubeconfigFiles = kubeconfigFlag !== undefined ? [['--kubeconfig', kubeconfigFlag]] : (env.KUBECONFIG ?? '').split(':').filter(Boolean).map((f) => ['KUBECONFIG', f]);
  for (const [from, file] of kubeconfigFiles) {
    let problem: string | undefined;
    try {
      if (!statSync(file!).isFile()) problem = 'is not a file';
      else {
        const text = readFileSync(file!, 'utf8');
        const parsed = text.includes('\0') ? undefined : (await import('yaml')).default.parse(text);
        if (text.includes('\0')) problem = 'is not a text file (contains NUL bytes)';
        else if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) problem = 'is not a kubeconfig (expected a YAML mapping with clusters, contexts, users)';
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const yamlError = (err as Error).name?.startsWith('YAML');
      problem = code === 'ENOENT' ? 'no such file' : !yamlError ? `cannot be read (${code ?? (err as Error).message})` : `is not valid YAML: ${(err as Error).message.split('\n')[0]}`;
    }
    if (problem) return usageError(`${from} ${file}: ${problem}`);
  }
  const contexts = args.values.context === undefined ? [undefined] : ([] as string[]).concat(args.values.context);
  const output = last(args.values.output);

  const YAML = (await import('yaml')).default;
  const configYaml = jobConfigYaml({ ...config, serviceAccount, ...(namespace ? { namespace } : {}) }, YAML);
  const { launchJob, ClusterError } = await import('../cluster/launch.ts');

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130); // a second Ctrl-C does not wait for the clean-up
    process.stderr.write('\ngateway-doctor cluster: interrupted — removing the Job and ConfigMap (Ctrl-C again to leave them)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const launchOptions = (context: string | undefined, onStatus: (line: string) => void): LaunchOptions => ({
    ...(last(args.values.kubeconfig) !== undefined ? { kubeconfigPath: last(args.values.kubeconfig)! } : {}),
    ...(context ? { context } : {}),
    ...(namespace ? { namespace } : {}),
    serviceAccount,
    image: last(args.values.image) ?? DEFAULT_IMAGE,
    configYaml,
    keep: args.switches.has('keep'),
    timeoutMs: timeoutSeconds * 1000,
    unschedulableGraceMs: grace * 1000,
    pollMs,
    signal: controller.signal,
    onStatus,
  });

  // One cluster on a terminal: the same UI as a local run, over the Job's events (not re-runnable).
  const { chooseFrontEnd } = await import('../tui/mode.ts');
  const frontEnd = chooseFrontEnd({ env, stdinIsTTY: process.stdin.isTTY === true, stdoutIsTTY: process.stdout.isTTY === true, plain: args.switches.has('plain'), tui: false });
  if (contexts.length === 1 && frontEnd.frontEnd === 'tui' && output === undefined && format === 'text') {
    const held: string[] = [];
    let failure: InstanceType<typeof ClusterError> | undefined;
    const events = launchJob(launchOptions(contexts[0], (line) => held.push(redact(line)))); // the screen belongs to the UI; shown after it closes
    async function* guarded(): AsyncGenerator<RunEvent> {
      try {
        yield* events;
      } catch (err) {
        if (err instanceof ClusterError) {
          failure = err;
          throw new Error(`${err.message} → ${err.hint}`);
        }
        throw err;
      }
    }
    const { runTui, eventSource } = await import('../tui/index.ts');
    let code: number;
    try {
      code = await runTui({ source: eventSource(guarded()), warnOk: args.switches.has('warn-ok') });
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      // Leaving the UI early ends the stream: make sure the Job is gone before we exit.
      await events.return(undefined as never).catch(() => undefined);
    }
    if (held.length) process.stderr.write(`${held.join('\n')}\n`);
    if (failure) {
      process.stderr.write(`gateway-doctor cluster: ${redact(failure.message)}\n  → ${redact(failure.hint)}\n`);
      return failure.reason === 'aborted' ? 130 : failure.reason === 'usage' ? EXIT.USAGE : EXIT.UNDECIDED;
    }
    return code;
  }

  const reports: Array<{ context?: string; report: Report }> = [];
  let worst: number = EXIT.OK;
  const liveToStdout = output !== undefined || !isMachineFormat(format);
  const live = liveToStdout && output === undefined ? process.stderr : liveToStdout ? process.stdout : process.stderr;
  try {
    for (const context of contexts) {
      if (controller.signal.aborted) break;
      const label = context ? `[${context}] ` : '';
      const status = (line: string) => process.stderr.write(`${label}${redact(line)}\n`);
      const events = launchJob(launchOptions(context, status));
      const seen: RunEvent[] = [];
      try {
        const report = await renderPlainLive(tee(events, seen), {
          write: (text) => live.write(`${label}${text}`),
          color: colorAllowed(live, env) && !args.switches.has('no-color'),
          counts: true,
        });
        const exitCode = args.switches.has('warn-ok') && report.exitCode === EXIT.WARN ? EXIT.OK : report.exitCode;
        reports.push({ ...(context ? { context } : {}), report: { ...report, exitCode } });
        worst = Math.max(worst, exitCode);
      } catch (err) {
        if (err instanceof ClusterError) {
          if (err.reason === 'aborted') {
            worst = 130;
            break;
          }
          process.stderr.write(`${label}gateway-doctor cluster: ${redact(err.message)}\n${label}  → ${redact(err.hint)}\n`);
          // A context the kubeconfig does not have is bad input (2); anything else kept the Job from reporting (5).
          worst = Math.max(worst, err.reason === 'usage' ? EXIT.USAGE : EXIT.UNDECIDED);
          continue;
        }
        throw err;
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  if (controller.signal.aborted) return 130;
  if (reports.length) {
    const color = output === undefined && format === 'text' ? colorAllowed(process.stdout, env) && !args.switches.has('no-color') : false;
    const rendered = reports
      .map(({ context, report }) => {
        const body = renderReport(format, report, { color });
        return contexts.length > 1 && format === 'text' ? `== context ${context} ==\n${body}` : body;
      })
      .join(format === 'json' ? '' : '\n');
    if (output !== undefined) writeFileSync(output, rendered);
    else process.stdout.write(rendered);
  }
  return worst;
}

// `gateway-doctor` with no subcommand: the interactive UI, or the plain renderer when the UI cannot run
// (stdout/stdin not a TTY, CI, TERM=dumb, --plain). Start-up order matters: ink and the first frame come first;
// the config, the registry and the runner load after it; AWS SDK clients only when a probe calls AWS.
import { existsSync } from 'node:fs';
import type { Config, ReportContext, Where } from '@gateway-doctor/core/types.ts';
import { parseTuiArgs, TUI_USAGE } from '../tui/args.ts';
import { chooseFrontEnd, inCi } from '../tui/mode.ts';

const DEFAULT_CONFIG = '/etc/gateway-doctor/config.yaml';

function contextOf(config: Config, where: Where): ReportContext {
  return {
    where,
    roleArn: config.roleArn,
    namespace: config.namespace,
    serviceAccount: config.serviceAccount,
    cluster: config.clusterName,
    region: config.region,
  };
}

function messageOf(err: unknown): string {
  if (err && typeof err === 'object' && Array.isArray((err as { problems?: unknown }).problems)) {
    const problems = (err as { problems: unknown[] }).problems.map((p) =>
      typeof p === 'string' ? p : `${(p as { path?: string }).path}: ${(p as { message?: string }).message}`,
    );
    return `gateway-doctor: invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`;
  }
  return `gateway-doctor: ${err instanceof Error ? err.message : String(err)}`;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseTuiArgs(argv);
  if (args.help) {
    process.stdout.write(`${TUI_USAGE}\n`);
    return 0;
  }
  if (args.problems.length > 0) {
    process.stderr.write(`${args.problems.map((p) => `gateway-doctor: ${p}`).join('\n')}\n\n${TUI_USAGE}\n`);
    return 2;
  }
  const env = process.env;
  const mode = chooseFrontEnd({
    env,
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    plain: args.plain,
    tui: args.tui,
  });
  if (mode.frontEnd === 'plain' || args.wantsReport) {
    const run = await import('./run.ts');
    return run.main(args.runArgv); // run finds the default config itself
  }

  const [{ render }, { createElement }, { App }, { colorAllowed, makeTheme }, { createRunnerSource }, { saveReportFiles }] = await Promise.all([
    import('ink'),
    import('react'),
    import('../tui/App.tsx'),
    import('../tui/theme.ts'),
    import('../tui/runner-source.ts'),
    import('../tui/save.ts'),
  ]);
  let settleConfig!: { resolve: (config: Config) => void; reject: (err: unknown) => void };
  const config = new Promise<Config>((resolve, reject) => (settleConfig = { resolve, reject }));
  config.catch(() => undefined);
  const { detectWhere } = await import('@gateway-doctor/core/where.ts');
  const where = detectWhere(env, args.where as Where | undefined);
  const debugLines: string[] = [];
  let frameShown!: () => void;
  const ready = new Promise<void>((resolve) => (frameShown = resolve));
  const source = createRunnerSource({ config, ready, where, env: { ...env }, only: args.only, warnOk: args.warnOk, debug: args.debug ? (line) => debugLines.push(line) : undefined });
  const version = process.env.npm_package_version;
  const props = {
    source,
    theme: makeTheme(colorAllowed(env, process.stdout.isTTY === true)),
    warnOk: args.warnOk,
    version,
    saveReport: (report: Parameters<typeof saveReportFiles>[0]) => saveReportFiles(report, args.saveDir),
  };
  // Node prints process warnings (the SDK's Node-version notice, listener counts) straight to stderr, which would
  // land in the middle of the frame: hold them while the UI is up and print them after it.
  const warnings: string[] = [];
  const warningListeners = process.listeners('warning');
  process.removeAllListeners('warning');
  const holdWarning = (warning: Error) => warnings.push(`(node) ${warning.name}: ${warning.message}`);
  process.on('warning', holdWarning);

  // ink calls onRender just before it writes a frame; the promise's continuations run after the write.
  const instance = render(createElement(App, props), { exitOnCtrlC: false, onRender: () => frameShown() });
  // Under CI ink writes nothing until the end: no frame to wait for. Elsewhere a bound keeps a stalled render from
  // holding the run back forever.
  if (!inCi(env)) await Promise.race([ready, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  frameShown();

  // After the first frame: the config (zod, yaml) and, through the source, the registry and the runner.
  let exitCode: number | undefined;
  try {
    const { loadConfig } = await import('@gateway-doctor/core/config.ts');
    const file = args.config ?? env.GATEWAY_DOCTOR_CONFIG ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
    const loaded = loadConfig({ file, env, flags: args.flags, where });
    if (args.only) {
      const { buildRegistry } = await import('@gateway-doctor/core/registry.ts');
      const registry = buildRegistry();
      const unknown = args.only.filter((id) => !registry.get(id));
      if (unknown.length > 0) throw new Error(`--only: unknown probe id${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (see gateway-doctor list)`);
    }
    settleConfig.resolve(loaded);
    instance.rerender(createElement(App, { ...props, context: contextOf(loaded, where) }));
  } catch (err) {
    settleConfig.reject(err);
    instance.rerender(null); // leave no half-started frame above the message
    instance.unmount();
    process.stderr.write(`${messageOf(err)}\n`);
    exitCode = 2;
  }
  const result = await instance.waitUntilExit();
  process.off('warning', holdWarning);
  for (const listener of warningListeners) process.on('warning', listener as (warning: Error) => void);
  if (warnings.length > 0) process.stderr.write(`${[...new Set(warnings)].join('\n')}\n`);
  if (debugLines.length > 0) process.stderr.write(`${debugLines.join('\n')}\n`);
  if (exitCode !== undefined) return exitCode;
  return typeof result === 'number' ? result : 1;
}

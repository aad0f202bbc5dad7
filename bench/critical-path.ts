// Critical path (issue 9 item 1): the stand-in adds a fixed latency L to every AWS call (and to the Pod Identity
// agent's answers: a world's `faults.latencyMs`, test/standin/faults.ts); the full suite runs on a healthy world
// in the pod sandbox as the Job runs it. Wall time is compared with
//   ideal      = the longest chain of dependent calls × L + the same run's time with L = 0 (start-up, module
//                loading and all the CPU work: what latency cannot explain)
//   sequential = every call the stand-in logged × L + the same L = 0 time (one call at a time).
// The chain is computed from the stand-in's request log and the probes' needs: nodes are (probe, subject) as the
// registry builds them, edges the probes' `needs` (binding per subject as the runner does); inside a probe, the
// calls are grouped in stages where a stage's input comes from the stage before's output (API facts, MODEL below)
// and only stages whose operations the log shows count. Every signed call first needs credentials (one agent
// call). The product's own DAG adds the `after` edges (waited for, to join causes): that chain is reported too.
// Runs with L and with 0 alternate (back-to-back pairs, each run in a fresh sandbox); figures are medians, and the
// headline ratio is the median of the pairs' ratios (a pair shares the shared machine's load). Peak RSS is the product
// process's, at exit, of the full run (test/tui/first-frame-trace.mjs).
//
//   node --import tsx bench/critical-path.ts [--runs 5] [--latency 50] [--world test/worlds/healthy-basic.yaml] [--write]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { CONFIG_PATH, REPO_ROOT, runInSandbox } from '../test/sandbox/index.ts';
import { loadWorld } from '../test/world/load.ts';
import { faultsSchema } from '../test/standin/faults.ts';
import type { World } from '../test/world/types.ts';
import { allProbes } from '../packages/core/src/probes/index.ts';
import { parseConfig } from '../packages/core/src/config.ts';
import type { Config, Probe } from '../packages/core/src/types.ts';
import { arg, median } from './args.ts';

/** Per probe: its calls in stages; each stage's input comes from the previous stage's output. 'agent' is the
 *  probe's own GET of the agent. EC2 reads are one round (their filters come from the config and the cluster). */
const MODEL: Record<string, string[][]> = {
  'identity.agent': [['agent'], ['sts:GetCallerIdentity']],   // the agent's credentials, then whose they are
  'identity.caller': [['sts:GetCallerIdentity']],
  'identity.self-assume': [['sts:AssumeRole']],
  'identity.tag-session': [['sts:AssumeRole']],
  'policy.trust': [['iam:GetRole']],
  'policy.permissions': [
    ['iam:GetRole', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'secretsmanager:DescribeSecret'],
    ['iam:GetRolePolicy', 'iam:GetPolicy', 'kms:DescribeKey', 'kms:GetKeyPolicy'],
    ['iam:GetPolicyVersion'],
  ],
  'secrets.read': [['secretsmanager:GetSecretValue'], ['secretsmanager:DescribeSecret', 'kms:DescribeKey'], ['kms:GetKeyPolicy']],
  'audit.cloudtrail': [['cloudtrail:DescribeTrails'], ['cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors']],
  'services.redshift': [['redshift:DescribeClusters']],
  'services.rds': [['rds:DescribeDBInstances', 'rds:DescribeDBClusters']],
  'services.athena': [['athena:GetWorkGroup']],
  'network.security-groups': [['ec2:*', 'eks:DescribeCluster'], ['ec2:GetManagedPrefixListEntries']],
  'network.path': [['ec2:*', 'eks:DescribeCluster']],
  'network.dns': [['ec2:DescribeVpcEndpoints', 'ec2:DescribeNatGateways']],
  'eks.association': [['eks:DescribeCluster', 'eks:ListPodIdentityAssociations', 'eks:ListAddons', 'eks:DescribeAddon'], ['eks:DescribePodIdentityAssociation']],
};


interface Logged { service: string; operation: string; harness?: boolean }

/** The operations the product sent, as MODEL names them ('agent' for the Pod Identity agent). */
function seenOps(requests: Logged[]): Set<string> {
  const seen = new Set<string>();
  for (const r of requests) {
    if (r.harness) continue;
    if (r.service === 'pod-identity-agent') seen.add('agent');
    else if (r.operation && !/^(GET|PUT|HEAD|POST) /.test(r.operation)) seen.add(`${r.service}:${r.operation}`);
  }
  return seen;
}

function stagesSeen(probe: string, seen: Set<string>): number {
  const stages = MODEL[probe] ?? [];
  return stages.filter((stage) => stage.some((op) => (op === 'ec2:*' ? [...seen].some((s) => s.startsWith('ec2:') && s !== 'ec2:GetManagedPrefixListEntries') : seen.has(op)))).length;
}

/** Longest chain of dependent calls over (probe, subject) nodes; `withAfter` adds the `after` edges. */
function longestChain(probes: Probe[], config: Config, seen: Set<string>, withAfter: boolean): { calls: number; path: string[] } {
  type Node = { id: string; probe: string; subject?: string; deps: string[] };
  const nodes = new Map<string, Node>();
  const subjectsOf = new Map<string, string[] | undefined>();
  for (const p of probes) subjectsOf.set(p.meta.id, p.meta.subjects ? p.meta.subjects(config).map((s) => s.subject) : undefined);
  const bind = (dep: string, subject: string | undefined): string[] => {
    const subs = subjectsOf.get(dep);
    if (!subjectsOf.has(dep)) return [];
    if (subs === undefined) return [dep];
    if (subject !== undefined && subs.includes(subject)) return [`${dep}#${subject}`];
    return subs.map((s) => `${dep}#${s}`);
  };
  for (const p of probes) {
    const specs = p.meta.subjects ? p.meta.subjects(config) : [undefined];
    for (const spec of specs) {
      const subject = spec?.subject;
      const needs = [...(p.meta.needs ?? []), ...(spec?.needs ?? [])];
      const after = withAfter ? [...(p.meta.after ?? []), ...(spec?.after ?? [])] : [];
      const id = subject === undefined ? p.meta.id : `${p.meta.id}#${subject}`;
      nodes.set(id, { id, probe: p.meta.id, subject, deps: [...needs, ...after].flatMap((d) => bind(d, subject)) });
    }
  }
  const memo = new Map<string, { calls: number; path: string[] }>();
  const visiting = new Set<string>();
  const chain = (id: string): { calls: number; path: string[] } => {
    const hit = memo.get(id);
    if (hit) return hit;
    const node = nodes.get(id)!;
    if (visiting.has(id)) return { calls: 0, path: [] };
    visiting.add(id);
    const own = stagesSeen(node.probe, seen);
    const signs = own > 0 && node.probe !== 'identity.agent';
    let best = { calls: signs && seen.has('agent') ? 1 : 0, path: signs && seen.has('agent') ? ['credentials (agent)'] : [] as string[] };
    for (const d of node.deps) {
      if (!nodes.has(d)) continue;
      const c = chain(d);
      if (c.calls > best.calls) best = c;
    }
    const result = { calls: best.calls + own, path: own > 0 ? [...best.path, `${id} ×${own}`] : best.path };
    visiting.delete(id);
    memo.set(id, result);
    return result;
  };
  let best = { calls: 0, path: [] as string[] };
  for (const id of nodes.keys()) {
    const c = chain(id);
    if (c.calls > best.calls) best = c;
  }
  return best;
}

/**
 * The longest sequence of the product's requests in which each began after the previous one was answered, from
 * the stand-in's log of a run with latency L: how many latency rounds the run paid one after another (an upper
 * bound: a CPU stall can also separate two independent requests). The router logs a request once its delay is
 * over (it holds [time − L, time]); the agent logs it on arrival ([time, time + L]).
 */
function observedRounds(requests: Array<Logged & { time: string }>, latency: number): number {
  const spans = requests
    .filter((r) => !r.harness && (r.service === 'pod-identity-agent' || (r.operation && !/^(GET|PUT|HEAD|POST) /.test(r.operation))))
    .map((r) => {
      const t = Date.parse(r.time);
      return r.service === 'pod-identity-agent' ? { start: t, end: t + latency } : { start: t - latency, end: t };
    })
    .sort((a, b) => a.start - b.start);
  const best: number[] = [];
  spans.forEach((s, i) => {
    let b = 1;
    for (let j = 0; j < i; j++) if (spans[j]!.end <= s.start && best[j]! + 1 > b) b = best[j]! + 1;
    best.push(b);
  });
  return Math.max(0, ...best);
}

interface Sample { latency: number; wallMs: number; runnerMs: number; rssKb: number; calls: number; exitCode: number; seen: Set<string>; rounds: number }

async function once(world: World, latency: number): Promise<Sample> {
  const w = structuredClone(world) as World;
  (w as any).faults = faultsSchema.parse({ latencyMs: latency });
  const result = await runInSandbox({
    world: w,
    cmd: [process.execPath, '--import', 'tsx', '--import', './test/tui/first-frame-trace.mjs', 'packages/cli/src/bin.ts', 'run', '--config', CONFIG_PATH, '--format', 'json'],
    env: { GD_TRACE_MODULES: '0' },
    timeoutMs: 180_000,
  });
  const report = JSON.parse(result.stdout);
  const exit = result.stderr.split('\n').filter((l) => l.startsWith('GD-TRACE ')).map((l) => JSON.parse(l.slice(9))).find((e) => e.event === 'exit');
  const product = (result.requests as Logged[]).filter((r) => !r.harness && (r.service === 'pod-identity-agent' || (r.operation && !/^(GET|PUT|HEAD|POST) /.test(r.operation))));
  return {
    latency, wallMs: result.steps[0]!.durationMs, runnerMs: report.durationMs, rssKb: exit?.maxRssKb ?? NaN,
    calls: product.length, exitCode: result.exitCode, seen: seenOps(result.requests as Logged[]),
    rounds: latency > 0 ? observedRounds(result.requests as Array<Logged & { time: string }>, latency) : 0,
  };
}

async function main(): Promise<number> {
  const runs = Math.max(1, Number(arg('runs', '5')) || 5);
  const latency = Math.max(1, Number(arg('latency', '50')) || 50);
  const worldPath = resolve(REPO_ROOT, arg('world', 'test/worlds/healthy-basic.yaml'));
  const { world } = loadWorld(worldPath);
  const config = parseConfig({ ...(world.gateway as object), region: world.region });

  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    for (const l of i % 2 ? [0, latency] : [latency, 0]) {
      const s = await once(world, l);
      samples.push(s);
      process.stderr.write(`run ${i + 1}/${runs} L=${l}: wall ${s.wallMs} ms, runner ${s.runnerMs} ms, ${s.calls} calls, ${s.rounds} serial rounds, exit ${s.exitCode}\n`);
    }
  }
  const withL = samples.filter((s) => s.latency === latency);
  const zero = samples.filter((s) => s.latency === 0);
  const seen = new Set(withL.flatMap((s) => [...s.seen]));
  const unmodelled = [...seen].filter((op) => op !== 'agent' && !Object.values(MODEL).some((st) => st.flat().some((m) => m === op || (m === 'ec2:*' && op.startsWith('ec2:')))));
  const needsChain = longestChain(allProbes, config, seen, false);
  const productChain = longestChain(allProbes, config, seen, true);
  const calls = median(withL.map((s) => s.calls));
  const wallL = median(withL.map((s) => s.wallMs));
  const wall0 = median(zero.map((s) => s.wallMs));
  const runnerL = median(withL.map((s) => s.runnerMs));
  const runner0 = median(zero.map((s) => s.runnerMs));
  const ideal = needsChain.calls * latency + wall0;
  const idealRunner = needsChain.calls * latency + runner0;
  const sequential = calls * latency + wall0;
  const productIdeal = productChain.calls * latency + wall0;
  // pairs run back to back share the machine's load: the ratio of each pair, then the median
  const pairs = Array.from({ length: runs }, (_, i) => samples.slice(2 * i, 2 * i + 2));
  const paired = median(pairs.map((p) => {
    const a = p.find((s) => s.latency === latency)!;
    const b = p.find((s) => s.latency === 0)!;
    return a.wallMs / (needsChain.calls * latency + b.wallMs);
  }));
  const pairedSeq = median(pairs.map((p) => {
    const a = p.find((s) => s.latency === latency)!;
    const b = p.find((s) => s.latency === 0)!;
    return a.wallMs / (a.calls * latency + b.wallMs);
  }));
  const rss = median(samples.map((s) => s.rssKb));
  const rounds = median(withL.map((s) => s.rounds));
  const exitCodes = [...new Set(samples.map((s) => s.exitCode))].join(', ');
  const r2 = (x: number) => x.toFixed(2);

  const table = [
    `World \`${worldPath.slice(REPO_ROOT.length + 1)}\`, L = ${latency} ms on every AWS call and agent answer, full suite (\`gateway-doctor run --format json\` in the pod sandbox), medians of ${runs} runs with L and ${runs} without, alternating, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPUs at load average ${loadavg()[0]!.toFixed(1)}; exit codes ${exitCodes}.`,
    '',
    '| figure | value |',
    '|---|--:|',
    `| calls per run (AWS APIs + agent, stand-in log) | ${calls} |`,
    `| longest chain of dependent calls (needs + API data dependencies) | ${needsChain.calls} |`,
    `| longest chain in the product's DAG (needs + after) | ${productChain.calls} |`,
    `| wall time, L = 0 (start-up + CPU work) | ${Math.round(wall0)} ms |`,
    `| wall time, L = ${latency} ms | ${Math.round(wallL)} ms |`,
    `| ideal = chain × L + wall(L=0) | ${Math.round(ideal)} ms |`,
    `| sequential = calls × L + wall(L=0) | ${Math.round(sequential)} ms |`,
    `| **wall / ideal, median of the back-to-back pairs** (goal ≤ 1.25) | **${r2(paired)}** |`,
    `| wall / sequential, median of the pairs | ${r2(pairedSeq)} |`,
    `| wall / ideal, ratio of the medians | ${r2(wallL / ideal)} |`,
    `| wall / sequential, ratio of the medians | ${r2(wallL / sequential)} |`,
    `| runner only (report.durationMs): L = 0 → L = ${latency} | ${Math.round(runner0)} → ${Math.round(runnerL)} ms (ideal ${Math.round(idealRunner)} ms, ratio ${r2(runnerL / idealRunner)}) |`,
    `| latency rounds paid one after another (stand-in log, longest run of non-overlapping calls) | ${rounds} |`,
    `| (observed rounds × L + wall(L=0)) / ideal | ${r2((rounds * latency + wall0) / ideal)} |`,
    `| latency rounds from wall times: (wall(L) − wall(0)) / L (noise-dominated on a loaded machine) | ${r2((wallL - wall0) / latency)} |`,
    `| wall / (product's DAG chain × L + wall(L=0)) | ${r2(wallL / productIdeal)} |`,
    `| peak RSS of a full run (product process, at exit) | ${Math.round(rss / 1024)} MiB |`,
    '',
    `Longest chain (needs): ${needsChain.path.join(' → ')}.`,
    '',
    `Longest chain (product's DAG, with after): ${productChain.path.join(' → ')}.`,
    ...(unmodelled.length ? ['', `Operations in the log that the model does not place (counted as no stage): ${unmodelled.join(', ')}.`] : []),
  ].join('\n');
  process.stdout.write(`${table}\n`);

  if (process.argv.includes('--write')) {
    const file = resolve(REPO_ROOT, 'BENCHMARKS.md');
    // one section per latency, under one heading
    const begin = `<!-- critical-path:L=${latency}:begin -->`;
    const end = `<!-- critical-path:L=${latency}:end -->`;
    const heading = '## Critical path\n\n';
    const section = `${begin}\n${table}\n\nReproduce: \`node --import tsx bench/critical-path.ts --runs ${runs} --latency ${latency} --write\`\n${end}`;
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
    const next = current.includes(begin)
      ? current.slice(0, current.indexOf(begin)) + section + current.slice(current.indexOf(end) + end.length)
      : current.includes(heading)
        ? current.replace(heading, `${heading}${section}\n\n`)
        : `${current.trimEnd()}\n\n${heading}${section}\n`;
    writeFileSync(file, next);
  }
  return 0;
}

process.exitCode = await main();

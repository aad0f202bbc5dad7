// Runs INSIDE the pod sandbox for bench/scale.ts: the product's own runner on the mounted config, only
// network.dns and network.tcp (the per-target probes), timing the run and the TCP phase. Prints one JSON object.
import { loadConfig, runProbes } from '../packages/core/src/index.ts';
import { probeMany } from '../packages/core/src/net/pool.ts';

const config = loadConfig({ file: '/etc/gateway-doctor/config.yaml', env: process.env, where: 'pod' });
const started = performance.now();
let firstTcpStart: number | undefined;
let lastTcpEnd = 0;
const codes: Record<string, number> = {};
const addresses: string[] = [];
for await (const event of runProbes(config, { where: 'pod', only: ['network.dns', 'network.tcp'] })) {
  if (event.type === 'probe-start' && event.probe === 'network.tcp') firstTcpStart ??= performance.now();
  if (event.type === 'outcome' && event.outcome.probe === 'network.dns' && Array.isArray(event.outcome.evidence.addresses) && event.outcome.subject?.startsWith('t')) {
    addresses.push(...(event.outcome.evidence.addresses as string[]));
  }
  if (event.type === 'outcome' && event.outcome.probe === 'network.tcp') {
    lastTcpEnd = performance.now();
    codes[event.outcome.code] = (codes[event.outcome.code] ?? 0) + 1;
  }
}
const wallMs = performance.now() - started;
// The net layer alone on the same addresses, concurrency and deadline (no runner): what the wire costs.
const t0 = performance.now();
await probeMany(addresses.map((address) => ({ address, port: 5432 })), config.options.concurrency, { timeoutMs: config.options.connectTimeoutMs });
const netLayerMs = Math.round(performance.now() - t0);
process.stdout.write(
  JSON.stringify({
    wallMs: Math.round(wallMs),
    tcpPhaseMs: Math.round(lastTcpEnd - (firstTcpStart ?? lastTcpEnd)),
    netLayerMs,
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    codes,
  }),
);

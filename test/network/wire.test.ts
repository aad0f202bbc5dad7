// The net/ layer on a real wire: inside a pod sandbox for C42's world (plus a few addresses in each reach mode),
// a plain `net.connect` by name fails with Node's happy-eyeballs AggregateError while probing each address with
// its own deadline shows both addresses connect (slowly); every reach mode, DNS answer and TLS failure is
// classified as CATALOG.md says.
import t from 'tap';
import { loadWorld } from '../world/load.ts';
import { runInSandbox } from '../sandbox/index.ts';

const { world } = loadWorld('test/worlds/c42-happy-eyeballs-slow-address.yaml');
world.network.hosts = {
  ...world.network.hosts,
  'broken.wire.internal': 'servfail',
  'silent.wire.internal': 'timeout',
  'wire-open.internal': ['10.0.8.41', '10.0.8.42', '10.0.8.43', '10.0.8.44', '10.0.8.45', '10.0.8.46'],
} as typeof world.network.hosts;
world.network.reach = {
  ...world.network.reach,
  '10.0.8.41:5432': 'refuse',
  '10.0.8.42:5432': 'drop',
  '10.0.8.43:5432': 'reset',
  '10.0.8.44:5432': 'host-unreachable',
  '10.0.8.45:5432': 'net-unreachable',
  '10.0.8.46:5432': 'open',
} as typeof world.network.reach;
world.network.tls = { 'api.powerbi.com': 'untrusted' } as typeof world.network.tls;

const run = await runInSandbox({ world, cmd: [process.execPath, '--import', 'tsx', 'test/network/wire-driver.ts'], timeoutMs: 60_000 });
t.equal(run.exitCode, 0, 'driver ran: ' + run.stderr.slice(0, 500));
const out = JSON.parse(run.stdout);
t.comment(JSON.stringify({ plain: out.plain, tls: out.tls }));

t.test('C42: happy-eyeballs masks a slow address; per-address probing shows it', async (t) => {
  t.equal(out.autoSelectFamilyDefault, true, 'Node 20 connects by name with happy-eyeballs');
  t.equal(out.plain.ok, false, 'plain net.connect by name fails');
  t.equal(out.plain.name, 'AggregateError');
  t.equal(out.plain.code, 'ETIMEDOUT');
  t.equal(out.plain.message, '', 'with an empty message');
  t.equal(out.plain.innerErrors, 2);
  t.ok(out.plain.ms < 900, `gave up after ${out.plain.ms} ms, before the retransmitted SYN`);
  t.same(out.dns.addresses, ['10.0.8.21', '10.0.8.22']);
  const [slow, stale] = out.perAddress;
  t.equal(slow.kind, 'connected', '10.0.8.21 connects');
  t.ok(slow.elapsedMs >= 900, `10.0.8.21 needed ${slow.elapsedMs} ms (the first SYN was dropped)`);
  t.equal(stale.kind, 'net-unreachable', '10.0.8.22 is unreachable');
});

t.test('each reach mode classified', async (t) => {
  t.equal(out.modes.refuse.kind, 'refused');
  t.equal(out.modes.drop.kind, 'timeout');
  t.equal(out.modes.reset.kind, 'reset');
  t.equal(out.modes['host-unreachable'].kind, 'host-unreachable');
  t.equal(out.modes['net-unreachable'].kind, 'net-unreachable');
  t.equal(out.modes.open.kind, 'connected');
});

t.test('DNS answers classified', async (t) => {
  t.same(out.dnsModes, { nxdomain: 'nxdomain', servfail: 'servfail', timeout: 'timeout' });
});

t.test('TLS: trusted, untrusted CA, wrong name', async (t) => {
  t.equal(out.tls.trusted.tls, 'ok');
  t.equal(out.tls.untrusted.tls, 'untrusted');
  t.equal(out.tls.wrongName.tls, 'name-mismatch');
});

t.test('bounded concurrency: rounds of the deadline', async (t) => {
  t.same(out.pool.kinds, ['timeout']);
  t.ok(out.pool.ms >= 800, `two rounds of 400 ms (${out.pool.ms} ms)`);
});

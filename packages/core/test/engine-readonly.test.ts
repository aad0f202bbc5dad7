// Read-only, proven on the wire: across a sample of worlds, every AWS request the stand-in received from the
// product's credentials is on the guard's allowlist. The one exception is the SDK's own credential chain
// exchanging an IRSA token (sts:AssumeRoleWithWebIdentity): that is how the gateway itself gets credentials, made
// by the chain's internal client before any probe call, and never by a probe.
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runInSandbox, REPO_ROOT } from '../../../test/sandbox/index.ts';
import { ALLOWED_OPERATIONS } from '../src/aws/allowlist.ts';
import type { ServiceId } from '../src/types.ts';

const dir = join(REPO_ROOT, 'test/worlds');
const preferred = ['demo', 'healthy-basic', 'healthy-target-role', 'c03-irsa-variables-left', 'c29-iam-resource-without-suffix', 'c33-sg-no-rule-for-5439'];
const worlds = preferred.filter((w) => existsSync(join(dir, `${w}.yaml`)));
const healthy = readdirSync(dir).filter((f) => f.startsWith('healthy-') && f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
for (const w of healthy) if (!worlds.includes(w) && worlds.length < 6) worlds.push(w);
const CHAIN_ONLY = new Set(['sts:AssumeRoleWithWebIdentity']);

t.test('only allowlisted operations reach AWS from the product', { jobs: 2 } as object, async (t) => {
  t.ok(worlds.length >= 2, `${worlds.length} worlds`);
  for (const name of worlds) {
    t.test(name, async (t) => {
      const result = await runInSandbox({ world: join(dir, `${name}.yaml`) });
      const product = (result.requests as { service: string; operation: string; harness: boolean }[]).filter((r) => !r.harness && r.service in ALLOWED_OPERATIONS);
      t.ok(product.length > 0, 'the product called AWS');
      const outside = product.filter((r) => !ALLOWED_OPERATIONS[r.service as ServiceId].includes(r.operation) && !CHAIN_ONLY.has(`${r.service}:${r.operation}`));
      t.same(outside.map((r) => `${r.service}:${r.operation}`), [], 'nothing outside the allowlist');
    });
  }
});

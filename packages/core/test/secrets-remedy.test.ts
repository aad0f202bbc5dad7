// Remedy proofs: for each secrets failure world, take the remedy the product printed (the policy statement it
// says to add, the restore it says to run), apply it to the world the way the command would change the account,
// and run again in the pod sandbox — the stand-in's independent evaluator must now let the read through.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { loadWorld } from '../../../test/world/load.ts';
import { runInSandbox } from '../../../test/sandbox/index.ts';
import type { World } from '../../../test/world/types.ts';
import type { Outcome, Report } from '../src/types.ts';

t.setTimeout(300_000);

const WORLDS = join(import.meta.dirname, '..', '..', '..', 'test', 'worlds');
const ONLY = 'identity.caller,secrets.read';

async function secretsRead(world: World): Promise<Outcome[]> {
  const r = await runInSandbox({ world, args: ['run', '--config', '/etc/gateway-doctor/config.yaml', '--format', 'json', '--only', ONLY] });
  const report = JSON.parse(r.stdout) as Report;
  return report.outcomes.filter((o) => o.probe === 'secrets.read');
}

const cases: Array<{ world: string; code: string; apply: (w: any, o: Outcome, t: Test) => void }> = [
  {
    world: 'c28-cmk-role-policy-lacks-decrypt',
    code: 'SECRET_KMS_DENIED',
    // aws iam put-role-policy --role-name ai-gateway --policy-name gateway-secrets-kms --policy-document <remedy.policy>
    apply: (w, o) => {
      const role = w.iam.RoleDetailList.find((r: any) => r.Arn === w.gateway.roleArn);
      role.RolePolicyList.push({ PolicyName: 'gateway-secrets-kms', PolicyDocument: o.remedy!.policy });
    },
  },
  {
    world: 'c28-cmk-key-policy-lacks-role',
    code: 'SECRET_KMS_DENIED',
    // get-key-policy, add the statement in remedy.policy, put-key-policy
    apply: (w, o) => {
      const key = w.kms.keys.find((k: any) => k.Arn === o.evidence.kmsKeyArn);
      key.KeyPolicy.Statement.push(o.remedy!.policy);
    },
  },
  {
    world: 'c29-iam-resource-without-suffix',
    code: 'SECRET_ACCESS_DENIED',
    // put-role-policy with the statement naming the secret with -??????
    apply: (w, o) => {
      const role = w.iam.RoleDetailList.find((r: any) => r.Arn === w.gateway.roleArn);
      role.RolePolicyList.push({ PolicyName: 'gateway-secrets', PolicyDocument: o.remedy!.policy });
    },
  },
  {
    world: 'c30-secret-scheduled-for-deletion',
    code: 'SECRET_SCHEDULED_FOR_DELETION',
    // aws secretsmanager restore-secret --secret-id <arn>
    apply: (w, o, t) => {
      t.match(o.remedy!.commands![0], /^aws secretsmanager restore-secret --secret-id \S+ --region us-east-1$/);
      const secret = w.secretsManager.secrets.find((s: any) => s.ARN === o.subject);
      secret.DeletedDate = null;
    },
  },
];

for (const c of cases) {
  t.test(`${c.world}: the printed remedy makes the read succeed`, async (t) => {
    const { world } = loadWorld(join(WORLDS, `${c.world}.yaml`));
    const before = await secretsRead(world);
    const failing = before.find((o) => o.code === c.code);
    t.ok(failing, `${c.code} before the fix (concluded: ${before.map((o) => o.code).join(', ')})`);
    if (!failing) return;
    const fixed = structuredClone(world) as any;
    c.apply(fixed, failing, t);
    const after = await secretsRead(fixed);
    t.same(
      after.map((o) => `${o.status} ${o.code}`),
      ['pass OK'],
      `after the remedy: ${after.map((o) => o.summary).join(' | ')}`,
    );
  });
}

// The kustomize base and per-node overlay: they render with the kubectl on PATH (Debian's 1.20 with kustomize
// v2.0.3 on a fresh machine), every object validates against the Kubernetes schema (kubernetes-models), the pod
// meets every Pod Security Standards "restricted" rule, and `gateway-doctor cluster` builds the same pod.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import YAML from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap } from 'kubernetes-models/v1';
import { buildJob, buildConfigMap } from '../../packages/cli/src/cluster/objects.ts';
import { readPolicy } from '../../packages/core/src/templates/policies.ts';
import { loadConfig } from '../../packages/core/src/config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function render(dir: string): any[] {
  const out = execFileSync('kubectl', ['kustomize', path.join(root, 'manifests', dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return YAML.parseAllDocuments(out).map((d) => d.toJSON());
}

/** Pod Security Standards, "restricted" profile (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export function restrictedViolations(podSpec: any): string[] {
  const v: string[] = [];
  const containers = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? []), ...(podSpec.ephemeralContainers ?? [])];
  const psc = podSpec.securityContext ?? {};
  // baseline
  if (podSpec.hostNetwork || podSpec.hostPID || podSpec.hostIPC) v.push('host namespaces');
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    const added: string[] = sc.capabilities?.add ?? [];
    if (added.some((cap) => cap !== 'NET_BIND_SERVICE')) v.push(`${c.name}: adds capabilities ${added.join(',')}`);
    if ((c.ports ?? []).some((p: any) => p.hostPort)) v.push(`${c.name}: hostPort`);
    if (sc.procMount && sc.procMount !== 'Default') v.push(`${c.name}: procMount`);
    if (sc.windowsOptions?.hostProcess) v.push(`${c.name}: hostProcess`);
    // restricted
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation must be false`);
    const drops: string[] = sc.capabilities?.drop ?? [];
    if (!drops.includes('ALL')) v.push(`${c.name}: capabilities must drop ALL`);
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    if (nonRoot !== true) v.push(`${c.name}: runAsNonRoot must be true`);
    const uid = sc.runAsUser ?? psc.runAsUser;
    if (uid === 0) v.push(`${c.name}: runAsUser must not be 0`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${c.name}: seccompProfile must be RuntimeDefault or Localhost`);
    const selinux = sc.seLinuxOptions ?? psc.seLinuxOptions;
    if (selinux?.user || selinux?.role) v.push(`${c.name}: SELinux user/role`);
    if (selinux?.type && !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(selinux.type)) v.push(`${c.name}: SELinux type`);
  }
  if (psc.runAsUser === 0) v.push('pod runAsUser must not be 0');
  const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
  for (const vol of podSpec.volumes ?? []) {
    const kinds = Object.keys(vol).filter((k) => k !== 'name');
    for (const k of kinds) if (!allowedVolumes.includes(k)) v.push(`volume ${vol.name}: type ${k} not allowed`);
  }
  const safeSysctls = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
  for (const s of psc.sysctls ?? []) if (!safeSysctls.includes(s.name)) v.push(`sysctl ${s.name}`);
  return v;
}

const base = render('base');
const perNode = render('per-node');

t.test('both renders hold a ConfigMap and a Job that validate against the Kubernetes schema', async (t) => {
  for (const [name, docs] of [['base', base], ['per-node', perNode]] as const) {
    t.same(docs.map((d) => d.kind).sort(), ['ConfigMap', 'Job'], `${name}: the objects`);
    for (const d of docs) {
      const Model = d.kind === 'Job' ? Job : ConfigMap;
      t.doesNotThrow(() => new Model(d).validate(), `${name}: ${d.kind} validates`);
    }
  }
  // The validator itself rejects a broken Job, so the checks above can fail.
  const broken = structuredClone(base.find((d) => d.kind === 'Job'));
  broken.spec.backoffLimit = 'none';
  t.throws(() => new Job(broken).validate(), 'a Job with a string backoffLimit is rejected');
});

t.test('the Job is set up to run once, as the gateway, and clean up', async (t) => {
  const job = base.find((d) => d.kind === 'Job');
  const spec = job.spec;
  t.equal(job.metadata.namespace, 'xpander', 'namespace set by kustomize');
  t.equal(spec.template.spec.serviceAccountName, 'ai-gateway', 'the gateway ServiceAccount, set by the kustomization patch');
  t.equal(spec.template.spec.restartPolicy, 'Never');
  t.equal(spec.backoffLimit, 0);
  t.ok(spec.activeDeadlineSeconds > 0, 'activeDeadlineSeconds');
  t.ok(spec.ttlSecondsAfterFinished > 0, 'ttlSecondsAfterFinished');
  t.equal(spec.template.spec.automountServiceAccountToken, false);
  const rules = spec.podFailurePolicy.rules;
  t.ok(rules.some((r: any) => r.action === 'Ignore' && r.onPodConditions?.some((c: any) => c.type === 'DisruptionTarget')), 'disruptions ignored');
  const failRule = rules.find((r: any) => r.action === 'FailJob');
  t.same([...failRule.onExitCodes.values].sort(), [2, 3, 4, 5], 'exit codes 2-5 fail the Job without retry');
  const c = spec.template.spec.containers[0];
  t.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory, 'requests and limits');
  t.equal(c.securityContext.readOnlyRootFilesystem, true, 'read-only root filesystem');
  t.same(c.env.map((e: any) => e.name).sort(), ['NODE_NAME', 'POD_IP', 'POD_NAME', 'POD_NAMESPACE'], 'downward API env');
  t.equal(job.metadata.labels['app.kubernetes.io/name'], 'gateway-doctor', 'label for kubectl logs -l');
  const cm = base.find((d) => d.kind === 'ConfigMap');
  t.equal(cm.metadata.name, spec.template.spec.volumes.find((v: any) => v.configMap).configMap.name, 'the volume names the generated ConfigMap');
  t.ok(YAML.parse(cm.data['config.yaml']).roleArn, 'the ConfigMap carries config.yaml');
});

t.test('Pod Security Standards restricted: every rule holds on the rendered pods', async (t) => {
  for (const [name, docs] of [['base', base], ['per-node', perNode]] as const) {
    const job = docs.find((d) => d.kind === 'Job');
    t.same(restrictedViolations(job.spec.template.spec), [], `${name}: no violations`);
  }
  // Each rule can fail: a table of single mutations, each must be caught.
  const pod = base.find((d) => d.kind === 'Job').spec.template.spec;
  const mutations: Array<[string, (p: any) => void]> = [
    ['privileged', (p) => (p.containers[0].securityContext.privileged = true)],
    ['allowPrivilegeEscalation', (p) => delete p.containers[0].securityContext.allowPrivilegeEscalation],
    ['capabilities drop', (p) => (p.containers[0].securityContext.capabilities.drop = [])],
    ['capabilities add', (p) => (p.containers[0].securityContext.capabilities.add = ['NET_ADMIN'])],
    ['runAsNonRoot', (p) => {
      delete p.containers[0].securityContext.runAsNonRoot;
      delete p.securityContext.runAsNonRoot;
    }],
    ['runAsUser 0', (p) => (p.securityContext.runAsUser = 0)],
    ['seccomp', (p) => {
      delete p.containers[0].securityContext.seccompProfile;
      delete p.securityContext.seccompProfile;
    }],
    ['hostNetwork', (p) => (p.hostNetwork = true)],
    ['hostPath', (p) => p.volumes.push({ name: 'h', hostPath: { path: '/' } })],
    ['hostPort', (p) => (p.containers[0].ports = [{ containerPort: 80, hostPort: 80 }])],
    ['sysctl', (p) => (p.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }])],
  ];
  for (const [label, mutate] of mutations) {
    const copy = structuredClone(pod);
    mutate(copy);
    t.not(restrictedViolations(copy).length, 0, `mutation caught: ${label}`);
  }
});

t.test('the per-node overlay runs one indexed pod per hostname', async (t) => {
  const spec = perNode.find((d) => d.kind === 'Job').spec;
  t.equal(spec.completionMode, 'Indexed');
  t.equal(spec.completions, spec.parallelism);
  const term = spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
  t.equal(term.topologyKey, 'kubernetes.io/hostname');
  const podLabels = spec.template.metadata.labels;
  for (const [k, v] of Object.entries(term.labelSelector.matchLabels)) t.equal(podLabels[k], v, `anti-affinity selects the Job's own pods (${k})`);
});

t.test('gateway-doctor cluster builds the same pod as the manifests', async (t) => {
  const rendered = base.find((d) => d.kind === 'Job');
  const built = buildJob({ name: 'gateway-doctor', namespace: 'xpander', serviceAccount: 'ai-gateway', image: rendered.spec.template.spec.containers[0].image, configYaml: 'x', activeDeadlineSeconds: rendered.spec.activeDeadlineSeconds });
  t.same(built.spec.podFailurePolicy, rendered.spec.podFailurePolicy, 'podFailurePolicy');
  t.equal(built.spec.backoffLimit, rendered.spec.backoffLimit);
  const a = built.spec.template.spec as any;
  const b = rendered.spec.template.spec;
  for (const k of ['securityContext', 'automountServiceAccountToken', 'restartPolicy', 'serviceAccountName']) t.same(a[k], b[k], `pod ${k}`);
  for (const k of ['securityContext', 'resources', 'env', 'volumeMounts', 'terminationMessagePath', 'terminationMessagePolicy']) t.same(a.containers[0][k], b.containers[0][k], `container ${k}`);
  t.same(restrictedViolations(a), [], 'the built pod meets PSS restricted');
  t.doesNotThrow(() => new Job(built as any).validate(), 'the built Job validates');
  t.doesNotThrow(() => new ConfigMap(buildConfigMap({ name: 'gateway-doctor', namespace: 'xpander', serviceAccount: 'ai-gateway', image: 'x', configYaml: 'region: us-east-1\n', activeDeadlineSeconds: 60 }) as any).validate());
});

t.test('the Dockerfile builds the Job bundle and runs it as a non-root user', async (t) => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split('\n').filter((l) => /^FROM\s/i.test(l));
  t.ok(stages.length >= 2, 'multi-stage');
  t.match(stages[stages.length - 1], /node:20/, 'a Node 20 base for the runtime stage');
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM'));
  t.match(lastStage, /^USER\s+65532/m, 'runs as the uid the manifests set (65532)');
  t.notMatch(lastStage, /^USER\s+(root|0)\b/m);
  t.match(lastStage, /ENTRYPOINT\s+\[/, 'exec-form entrypoint');
});

t.test('beside the manifests: the read policy the diagnostic needs, and a config the schema accepts', async (t) => {
  const onDisk = JSON.parse(readFileSync(path.join(root, 'manifests/read-policy.json'), 'utf8'));
  t.same(onDisk, readPolicy(), 'manifests/read-policy.json is what `gateway-doctor policy` prints (regenerate it when the probes read more)');
  const cm = base.find((d) => d.kind === 'ConfigMap');
  const config = loadConfig({ text: cm.data['config.yaml'], source: 'config.yaml', env: {}, where: 'laptop' });
  t.equal(config.roleArn, 'arn:aws:iam::111122223333:role/ai-gateway', 'the ConfigMap config passes the config schema');
  t.throws(() => loadConfig({ text: cm.data['config.yaml'] + 'roleArm: x\n', source: 'config.yaml', env: {}, where: 'laptop' }), /roleArm/, 'and the schema would reject a typo in it');
});

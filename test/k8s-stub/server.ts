// A small Kubernetes API server stand-in on loopback, for `gateway-doctor cluster` and `kubectl apply -k`.
// It keeps ConfigMaps, Jobs and Pods in memory and plays a pod's life according to `behaviour`; a pod that
// "runs" gets its logs and exit code from `runPod` (the tests run the real Job entrypoint in the pod sandbox).
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';

export type PodBehaviour = 'run' | 'image-pull-error' | 'unschedulable' | 'deadline-exceeded';

export interface PodRun {
  /** The container's stdout as it is produced. */
  stdout: Readable;
  /** Resolves when the container exits. */
  exit: Promise<{ exitCode: number; terminationMessage?: string }>;
}

export interface StubOptions {
  behaviour?: PodBehaviour;
  /** Requests answered 403 Forbidden, e.g. `create jobs`. */
  forbid?: string[];
  /** Runs the pod: gets the mounted config (the ConfigMap's data) and the Job. */
  runPod?: (files: Record<string, string>, job: any) => PodRun;
  /** For deadline-exceeded: how long until the Job fails (ms). */
  deadlineMs?: number;
}

export interface StubRequest {
  method: string;
  path: string;
  verb: string;
  resource: string;
  name?: string;
  namespace?: string;
}

interface Store {
  configmaps: Map<string, any>;
  jobs: Map<string, any>;
  pods: Map<string, any>;
}

const key = (ns: string, name: string) => `${ns}/${name}`;

export interface K8sStub {
  url: string;
  requests: StubRequest[];
  store: Store;
  /** Writes a kubeconfig for this server with one context per name given. */
  kubeconfig(contexts?: string[], namespace?: string): string;
  close(): Promise<void>;
}

function statusBody(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

const discovery = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [{ name: 'batch', versions: [{ groupVersion: 'batch/v1', version: 'v1' }], preferredVersion: { groupVersion: 'batch/v1', version: 'v1' } }],
  },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'] },
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list', 'delete'] },
      { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    ],
  },
  '/apis/batch/v1': {
    kind: 'APIResourceList',
    groupVersion: 'batch/v1',
    resources: [{ name: 'jobs', singularName: 'job', namespaced: true, kind: 'Job', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'] }],
  },
} as Record<string, unknown>;

export async function startK8sStub(opts: StubOptions = {}): Promise<K8sStub> {
  const behaviour = opts.behaviour ?? 'run';
  const forbid = new Set(opts.forbid ?? []);
  const store: Store = { configmaps: new Map(), jobs: new Map(), pods: new Map() };
  const requests: StubRequest[] = [];
  const logs = new Map<string, { buffer: string; live: Set<PassThrough>; ended: boolean }>();
  const timers = new Set<NodeJS.Timeout>();
  const children: PodRun[] = [];

  function startPod(job: any) {
    const ns = job.metadata.namespace;
    const podName = `${job.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace: ns,
        uid: randomBytes(16).toString('hex'),
        labels: { ...(job.spec?.template?.metadata?.labels ?? {}), 'job-name': job.metadata.name, 'batch.kubernetes.io/job-name': job.metadata.name },
        creationTimestamp: new Date().toISOString(),
      },
      spec: job.spec?.template?.spec ?? {},
      status: { phase: 'Pending', conditions: [] as any[], containerStatuses: [] as any[] },
    };
    store.pods.set(key(ns, podName), pod);
    logs.set(key(ns, podName), { buffer: '', live: new Set(), ended: false });
    const container = pod.spec.containers?.[0]?.name ?? 'gateway-doctor';
    const image = pod.spec.containers?.[0]?.image ?? '';
    const later = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    };
    if (behaviour === 'unschedulable') {
      pod.status.conditions = [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
        },
      ];
      return;
    }
    pod.status.conditions = [{ type: 'PodScheduled', status: 'True' }];
    if (behaviour === 'image-pull-error') {
      later(50, () => {
        pod.status.containerStatuses = [
          {
            name: container,
            image,
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ErrImagePull', message: `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found` } },
          },
        ];
      });
      later(400, () => {
        pod.status.containerStatuses[0].state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } };
      });
      return;
    }
    if (behaviour === 'deadline-exceeded') {
      pod.status.phase = 'Running';
      pod.status.containerStatuses = [{ name: container, image, ready: true, restartCount: 0, state: { running: { startedAt: new Date().toISOString() } } }];
      later(opts.deadlineMs ?? 1500, () => {
        const deadline = job.spec?.activeDeadlineSeconds ?? 0;
        job.status = {
          ...job.status,
          active: 0,
          failed: 1,
          conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: `Job was active longer than specified deadline (${deadline}s)` }],
        };
        pod.status.phase = 'Failed';
        pod.status.containerStatuses[0].state = { terminated: { exitCode: 137, reason: 'DeadlineExceeded' } };
        finishLog(key(ns, podName));
      });
      return;
    }
    // behaviour 'run'
    const files: Record<string, string> = {};
    for (const vol of pod.spec.volumes ?? []) {
      const cmName = vol.configMap?.name;
      if (!cmName) continue;
      const cm = store.configmaps.get(key(ns, cmName));
      if (cm) Object.assign(files, cm.data ?? {});
    }
    later(20, () => {
      pod.status.phase = 'Running';
      pod.status.containerStatuses = [{ name: container, image, ready: true, restartCount: 0, state: { running: { startedAt: new Date().toISOString() } } }];
      job.status = { ...job.status, active: 1, startTime: new Date().toISOString() };
      if (!opts.runPod) {
        finishPod(0, undefined);
        return;
      }
      const run = opts.runPod(files, job);
      children.push(run);
      const entry = logs.get(key(ns, podName))!;
      run.stdout.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        entry.buffer += text;
        for (const l of entry.live) l.write(text);
      });
      run.exit.then(({ exitCode, terminationMessage }) => {
        // Let the last stdout bytes drain into the buffer first.
        setImmediate(() => finishPod(exitCode, terminationMessage));
      });
    });
    function finishPod(exitCode: number, terminationMessage: string | undefined) {
      pod.status.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
      pod.status.containerStatuses = [
        { name: container, image, ready: false, restartCount: 0, state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', message: terminationMessage } } },
      ];
      job.status = {
        ...job.status,
        active: 0,
        ...(exitCode === 0 ? { succeeded: 1 } : { failed: 1 }),
        conditions: [
          exitCode === 0
            ? { type: 'Complete', status: 'True' }
            : exitCode >= 2 && exitCode <= 5
              ? { type: 'Failed', status: 'True', reason: 'PodFailurePolicy', message: `Container ${container} for pod ${ns}/${podName} failed with exit code ${exitCode} matching FailJob rule at index 1` }
              : { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
        ],
      };
      finishLog(key(ns, podName));
    }
  }

  function finishLog(k: string) {
    const entry = logs.get(k);
    if (!entry) return;
    entry.ended = true;
    for (const l of entry.live) l.end();
    entry.live.clear();
  }

  function send(res: http.ServerResponse, code: number, body: unknown) {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  async function readBody(req: http.IncomingMessage): Promise<any> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return { __invalid: text };
    }
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (discovery[path]) {
      requests.push({ method, path, verb: 'discover', resource: path });
      return send(res, 200, discovery[path]);
    }
    if (path === '/version') return send(res, 200, { major: '1', minor: '30', gitVersion: 'v1.30.0-stub' });
    if (path.startsWith('/openapi') || path.startsWith('/swagger')) return send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
    const m = /^\/(?:api\/v1|apis\/batch\/v1)\/namespaces\/([^/]+)\/(configmaps|jobs|pods)(?:\/([^/]+))?(?:\/(log))?$/.exec(path);
    if (!m) {
      requests.push({ method, path, verb: 'unknown', resource: path });
      return send(res, 404, statusBody(404, 'NotFound', `the server could not find the requested resource (${path})`));
    }
    const [, namespace, resource, name, sub] = m;
    const verb =
      method === 'POST' ? 'create' : method === 'DELETE' ? 'delete' : method === 'PATCH' ? 'patch' : method === 'PUT' ? 'update' : name ? 'get' : 'list';
    const r: StubRequest = { method, path, verb, resource: sub ? `${resource}/${sub}` : resource, name, namespace };
    requests.push(r);
    if (forbid.has(`${verb} ${r.resource}`)) {
      const group = resource === 'jobs' ? '"batch"' : '""';
      return send(
        res,
        403,
        statusBody(
          403,
          'Forbidden',
          `${resource}${name ? ` "${name}"` : ''} is forbidden: User "arn:aws:iam::111122223333:user/dev" cannot ${verb} resource "${resource}" in API group ${group} in the namespace "${namespace}"`,
        ),
      );
    }
    const table = store[resource as keyof Store];
    if (sub === 'log') {
      const entry = logs.get(key(namespace, name!));
      const pod = store.pods.get(key(namespace, name!));
      if (!entry || !pod) return send(res, 404, statusBody(404, 'NotFound', `pods "${name}" not found`));
      if (pod.status.phase === 'Pending') {
        return send(res, 400, statusBody(400, 'BadRequest', `container "${pod.spec.containers?.[0]?.name}" in pod "${name}" is waiting to start: ContainerCreating`));
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(entry.buffer);
      if (url.searchParams.get('follow') !== 'true' || entry.ended) return res.end();
      const live = new PassThrough();
      entry.live.add(live);
      live.pipe(res);
      req.on('close', () => entry.live.delete(live));
      return;
    }
    if (method === 'POST') {
      const body = await readBody(req);
      if (!body || body.__invalid || !body.metadata?.name) {
        return send(res, 400, statusBody(400, 'BadRequest', 'the request body is not a valid object with metadata.name'));
      }
      const objectName = body.metadata.name;
      if (table.has(key(namespace, objectName))) {
        return send(res, 409, statusBody(409, 'AlreadyExists', `${resource} "${objectName}" already exists`));
      }
      const obj = {
        ...body,
        metadata: { ...body.metadata, namespace, uid: randomBytes(16).toString('hex'), creationTimestamp: new Date().toISOString(), resourceVersion: '1' },
        status: {},
      };
      table.set(key(namespace, objectName), obj);
      if (resource === 'jobs') startPod(obj);
      return send(res, 201, obj);
    }
    if (method === 'GET' && !name) {
      const selector = url.searchParams.get('labelSelector');
      let items = [...table.values()].filter((o) => o.metadata.namespace === namespace);
      if (selector) {
        const wanted = selector.split(',').map((s) => s.split('='));
        items = items.filter((o) => wanted.every(([k, v]) => o.metadata.labels?.[k] === v));
      }
      return send(res, 200, { kind: resource === 'jobs' ? 'JobList' : resource === 'pods' ? 'PodList' : 'ConfigMapList', apiVersion: resource === 'jobs' ? 'batch/v1' : 'v1', metadata: {}, items });
    }
    const obj = table.get(key(namespace, name!));
    if (!obj) return send(res, 404, statusBody(404, 'NotFound', `${resource} "${name}" not found`));
    if (method === 'GET') return send(res, 200, obj);
    if (method === 'DELETE') {
      table.delete(key(namespace, name!));
      if (resource === 'jobs') {
        for (const [k, pod] of store.pods) if (pod.metadata.labels?.['job-name'] === name && pod.metadata.namespace === namespace) {
          store.pods.delete(k);
          finishLog(k);
        }
      }
      return send(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: resource } });
    }
    if (method === 'PATCH' || method === 'PUT') {
      const body = await readBody(req);
      if (body && !body.__invalid) Object.assign(obj, method === 'PUT' ? body : { ...obj, ...body, metadata: { ...obj.metadata, ...(body.metadata ?? {}) } });
      return send(res, 200, obj);
    }
    return send(res, 405, statusBody(405, 'MethodNotAllowed', `${method} is not supported`));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    store,
    kubeconfig(contexts = ['stub'], namespace = 'default') {
      return [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: stub`,
        `  cluster:`,
        `    server: ${url}`,
        `    insecure-skip-tls-verify: true`,
        'users:',
        '- name: stub-user',
        '  user:',
        '    token: stub-token',
        'contexts:',
        ...contexts.flatMap((c) => [`- name: ${c}`, '  context:', '    cluster: stub', '    user: stub-user', `    namespace: ${namespace}`]),
        `current-context: ${contexts[0]}`,
        '',
      ].join('\n');
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const entry of logs.values()) for (const l of entry.live) l.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

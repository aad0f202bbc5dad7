// Launches the diagnostic Job in a cluster with the engineer's kubeconfig, streams the pod's NDJSON events,
// and always cleans up. Failures that stop the Job from ever reporting (RBAC, image pull, scheduling, deadline)
// become a ClusterError with the reason and what to do — never a hang.
import { randomBytes } from 'node:crypto';
import type { RunEvent } from '@gateway-doctor/core/types.ts';
import { buildConfigMap, buildJob } from './objects.ts';

export class ClusterError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly reason: 'forbidden' | 'image' | 'unschedulable' | 'deadline' | 'api' | 'no-report' | 'aborted' | 'usage',
  ) {
    super(message);
  }
}

export interface LaunchOptions {
  kubeconfigPath?: string;
  context?: string;
  namespace?: string;
  serviceAccount: string;
  image: string;
  configYaml: string;
  keep?: boolean;
  /** Whole wait, also the Job's activeDeadlineSeconds (rounded up). */
  timeoutMs: number;
  /** How long a pod may stay unschedulable before we give up (a cluster autoscaler may add a node). */
  unschedulableGraceMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  onStatus?: (line: string) => void;
}

interface Api {
  core: any;
  batch: any;
  kc: any;
  namespace: string;
}

async function connect(opts: LaunchOptions): Promise<Api> {
  // Loaded only for this subcommand: the client costs ~0.5 s to import.
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (opts.kubeconfigPath) kc.loadFromFile(opts.kubeconfigPath);
  else kc.loadFromDefault();
  if (opts.context) {
    if (!kc.getContexts().some((c: any) => c.name === opts.context)) {
      throw new ClusterError(`no context "${opts.context}" in the kubeconfig`, `known contexts: ${kc.getContexts().map((c: any) => c.name).join(', ') || 'none'}`, 'usage');
    }
    kc.setCurrentContext(opts.context);
  }
  // the client throws a bare "No active cluster!" from makeApiClient: say which kubeconfig lacks what
  if (!kc.getCurrentCluster()) {
    throw new ClusterError(
      `the kubeconfig has no current context with a cluster${kc.getCurrentContext() ? ` (current-context "${kc.getCurrentContext()}" names none)` : ''}`,
      `known contexts: ${kc.getContexts().map((c: any) => c.name).join(', ') || 'none'}; pass --context NAME or run kubectl config use-context NAME`,
      'api',
    );
  }
  const current = kc.getContextObject(kc.getCurrentContext());
  const namespace = opts.namespace ?? current?.namespace ?? 'default';
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api), batch: kc.makeApiClient(k8s.BatchV1Api), namespace };
}

function apiMessage(err: any): { code?: number; message: string } {
  const code = typeof err?.code === 'number' ? err.code : undefined;
  let message = err?.message ?? String(err);
  if (typeof err?.body === 'string') {
    try {
      const body = JSON.parse(err.body);
      if (body?.message) message = body.message;
    } catch {
      /* not JSON: keep the client's message */
    }
  } else if (err?.body?.message) message = err.body.message;
  return { code, message };
}

function translate(err: any, action: string): ClusterError {
  if (err instanceof ClusterError) return err;
  const { code, message } = apiMessage(err);
  if (code === 403) {
    return new ClusterError(
      `RBAC forbids ${action}: ${message}`,
      'gateway-doctor cluster needs, in the gateway namespace: create/delete configmaps, create/get/delete jobs (batch), list/get pods, get pods/log',
      'forbidden',
    );
  }
  if (err?.code === 'ECONNREFUSED' || /ECONNREFUSED|ENOTFOUND|fetch failed/.test(message)) {
    return new ClusterError(`cannot reach the Kubernetes API while trying to ${action}: ${message}`, 'check the kubeconfig context (kubectl cluster-info)', 'api');
  }
  return new ClusterError(`Kubernetes API error while trying to ${action}${code ? ` (HTTP ${code})` : ''}: ${message}`, 'see the message above', 'api');
}

/** A minimal async queue: the log stream pushes lines, the generator pulls them. */
function lineQueue() {
  const lines: string[] = [];
  let partial = '';
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  return {
    push(chunk: string) {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.trim() !== ''));
      notify();
    },
    end(err?: unknown) {
      if (partial.trim()) lines.push(partial);
      partial = '';
      ended = true;
      failure = err;
      notify();
    },
    async next(timeoutMs: number): Promise<string | undefined | null> {
      // string: a line; undefined: the stream ended; null: nothing yet within timeoutMs.
      if (lines.length) return lines.shift();
      if (ended) {
        if (failure) throw failure;
        return undefined;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, timeoutMs).unref();
      });
      if (lines.length) return lines.shift();
      if (ended) return undefined;
      return null;
    },
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/**
 * Creates the ConfigMap and Job, yields the pod's events as they stream, and deletes both at the end (success,
 * failure, abort) unless `keep`.
 */
export async function* launchJob(opts: LaunchOptions): AsyncGenerator<RunEvent, { name: string; namespace: string }> {
  const status = opts.onStatus ?? (() => {});
  const api = await connect(opts);
  const name = `gateway-doctor-${randomBytes(3).toString('hex')}`;
  const ns = api.namespace;
  const input = {
    name,
    namespace: ns,
    serviceAccount: opts.serviceAccount,
    image: opts.image,
    configYaml: opts.configYaml,
    activeDeadlineSeconds: Math.max(1, Math.ceil(opts.timeoutMs / 1000)),
  };
  const pollMs = opts.pollMs ?? 1000;
  const grace = opts.unschedulableGraceMs ?? 20_000;
  const deadline = Date.now() + opts.timeoutMs + 15_000;
  let created = { configMap: false, job: false };
  let logAbort: AbortController | undefined;
  const queue = lineQueue();
  try {
    try {
      await api.core.createNamespacedConfigMap({ namespace: ns, body: buildConfigMap(input) });
      created.configMap = true;
    } catch (err) {
      throw translate(err, `create ConfigMap ${ns}/${name}`);
    }
    try {
      await api.batch.createNamespacedJob({ namespace: ns, body: buildJob(input) });
      created.job = true;
    } catch (err) {
      throw translate(err, `create Job ${ns}/${name}`);
    }
    status(`created Job ${ns}/${name} (ServiceAccount ${opts.serviceAccount})`);

    let podName: string | undefined;
    let unschedulableSince: number | undefined;
    let sawDone = false;
    while (!sawDone) {
      if (opts.signal?.aborted) throw new ClusterError('interrupted', 'the Job and ConfigMap are being removed', 'aborted');
      if (Date.now() > deadline) {
        throw new ClusterError(`the Job ${ns}/${name} did not report within ${Math.round(opts.timeoutMs / 1000)} s`, `kubectl -n ${ns} describe job ${name}`, 'deadline');
      }
      // Job-level failure (deadline, policy) first.
      let job: any;
      try {
        job = await api.batch.readNamespacedJob({ name, namespace: ns });
      } catch (err) {
        throw translate(err, `read Job ${ns}/${name}`);
      }
      const failed = (job?.status?.conditions ?? []).find((c: any) => c.type === 'Failed' && c.status === 'True');
      if (failed?.reason === 'DeadlineExceeded') {
        throw new ClusterError(`the Job ${ns}/${name} exceeded its deadline: ${failed.message ?? ''}`.trim(), `kubectl -n ${ns} logs job/${name}`, 'deadline');
      }
      if (!podName) {
        let pods: any;
        try {
          pods = await api.core.listNamespacedPod({ namespace: ns, labelSelector: `job-name=${name}` });
        } catch (err) {
          throw translate(err, `list pods of Job ${ns}/${name}`);
        }
        const pod = pods?.items?.[0];
        if (pod) {
          const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
          if (waiting && /ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull/.test(waiting.reason ?? '')) {
            throw new ClusterError(
              `the image cannot be pulled (${waiting.reason}): ${waiting.message ?? opts.image}`,
              `check --image ${opts.image} and the node's pull access (registry credentials, VPC endpoints for ECR)`,
              'image',
            );
          }
          if (waiting && /CreateContainerConfigError|CreateContainerError/.test(waiting.reason ?? '')) {
            throw new ClusterError(`the container cannot start (${waiting.reason}): ${waiting.message ?? ''}`, `kubectl -n ${ns} describe pod ${pod.metadata.name}`, 'api');
          }
          const sched = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
          if (sched?.status === 'False' && sched.reason === 'Unschedulable') {
            unschedulableSince ??= Date.now();
            if (Date.now() - unschedulableSince >= grace) {
              throw new ClusterError(`the pod cannot be scheduled: ${sched.message ?? ''}`.trim(), `kubectl -n ${ns} describe pod ${pod.metadata.name}`, 'unschedulable');
            }
          } else unschedulableSince = undefined;
          const phase = pod.status?.phase;
          if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') {
            podName = pod.metadata.name;
            status(`pod ${podName} is ${phase.toLowerCase()} on ${pod.spec?.nodeName ?? 'a node'}`);
            const k8s = await import('@kubernetes/client-node');
            const { Writable } = await import('node:stream');
            const sink = new Writable({
              write(chunk, _enc, cb) {
                queue.push(chunk.toString('utf8'));
                cb();
              },
            });
            sink.on('finish', () => queue.end());
            try {
              logAbort = await (new k8s.Log(api.kc) as any).log(ns, podName, 'gateway-doctor', sink, { follow: true }) as AbortController;
            } catch (err) {
              throw translate(err, `read the logs of pod ${ns}/${podName}`);
            }
          }
        }
      }
      if (!podName) {
        await sleep(pollMs, opts.signal);
        continue;
      }
      // Drain what the pod printed, until `done` or the stream ends.
      for (;;) {
        const line = await queue.next(pollMs);
        if (line === null) break; // nothing yet: poll the Job again
        if (line === undefined) {
          if (!sawDone) {
            // The stream ended early: say why if the Job knows (deadline), else point at the pod's own record.
            const after = await api.batch.readNamespacedJob({ name, namespace: ns }).catch(() => undefined);
            const why = (after?.status?.conditions ?? []).find((c: any) => c.type === 'Failed' && c.status === 'True');
            if (why?.reason === 'DeadlineExceeded') {
              throw new ClusterError(`the Job ${ns}/${name} exceeded its deadline: ${why.message ?? ''}`.trim(), `kubectl -n ${ns} logs job/${name}`, 'deadline');
            }
            throw new ClusterError(`the pod's output ended without a report`, `kubectl -n ${ns} logs job/${name}; the termination message: kubectl -n ${ns} get pod ${podName} -o jsonpath='{.status.containerStatuses[0].state.terminated.message}'`, 'no-report');
          }
          break;
        }
        let event: RunEvent;
        try {
          event = JSON.parse(line);
        } catch {
          status(`pod: ${line.slice(0, 200)}`);
          continue;
        }
        if (!event || typeof event !== 'object' || !('type' in event)) continue;
        yield event;
        if (event.type === 'done') {
          sawDone = true;
          break;
        }
      }
    }
    return { name, namespace: ns };
  } finally {
    logAbort?.abort();
    if (!opts.keep) {
      if (created.job) {
        await api.batch.deleteNamespacedJob({ name, namespace: ns, propagationPolicy: 'Background' }).catch((err: unknown) => status(`could not delete Job ${ns}/${name}: ${apiMessage(err).message}`));
      }
      if (created.configMap) {
        await api.core.deleteNamespacedConfigMap({ name, namespace: ns }).catch((err: unknown) => status(`could not delete ConfigMap ${ns}/${name}: ${apiMessage(err).message}`));
      }
      if (created.job || created.configMap) status(`removed Job and ConfigMap ${ns}/${name}`);
    } else if (created.job) status(`kept Job ${ns}/${name} (--keep): kubectl -n ${ns} delete job,configmap ${name}`);
  }
}

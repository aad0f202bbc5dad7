// The ConfigMap and Job that `gateway-doctor cluster` creates: the same pod as manifests/base (a test keeps the
// two in step) — the gateway's own ServiceAccount, Pod Security Standards "restricted", no retries.

export const CONFIG_MOUNT_DIR = '/etc/gateway-doctor';
export const DEFAULT_IMAGE = 'ghcr.io/gateway-doctor/gateway-doctor:0.1.0';
export const APP_LABEL = 'app.kubernetes.io/name';

export interface JobObjectsInput {
  /** Name shared by the ConfigMap and the Job. */
  name: string;
  namespace: string;
  serviceAccount: string;
  image: string;
  /** The gateway-doctor config, as YAML (the Job's `options.output` is set to ndjson by the caller). */
  configYaml: string;
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished?: number;
  /** Pin the pod to one node (fleet runs try reach from each node group). */
  nodeName?: string;
}

export function buildConfigMap(input: JobObjectsInput) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: input.name, namespace: input.namespace, labels: labels() },
    data: { 'config.yaml': input.configYaml },
  };
}

function labels() {
  return { [APP_LABEL]: 'gateway-doctor', 'app.kubernetes.io/component': 'diagnostic' };
}

export function buildJob(input: JobObjectsInput) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: input.name, namespace: input.namespace, labels: labels() },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: input.activeDeadlineSeconds,
      ttlSecondsAfterFinished: input.ttlSecondsAfterFinished ?? 3600,
      // Exit codes 2–5 are diagnoses or usage errors: never retry them; a node drain is not the tool's failure.
      podFailurePolicy: {
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          { action: 'FailJob', onExitCodes: { containerName: 'gateway-doctor', operator: 'In', values: [2, 3, 4, 5] } },
        ],
      },
      template: {
        metadata: { labels: labels() },
        spec: {
          serviceAccountName: input.serviceAccount,
          // Pod Identity projects its own token; the Kubernetes API token is not needed.
          automountServiceAccountToken: false,
          restartPolicy: 'Never',
          ...(input.nodeName ? { nodeName: input.nodeName } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            fsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'gateway-doctor',
              image: input.image,
              imagePullPolicy: 'IfNotPresent',
              env: [
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              ],
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: '500m', memory: '256Mi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_MOUNT_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: input.name } },
            { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
          ],
        },
      },
    },
  };
}

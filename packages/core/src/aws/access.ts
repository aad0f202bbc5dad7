// The AWS client factory: lazy per service (nothing of the SDK is imported until a probe calls that service), one
// client per (service, region, credentials), the default chain's credentials shared and memoised, deadlines that
// fit a probe's, bounded retries that never retry an unreachable endpoint, and the read-only guard on every client.
import { setMaxListeners } from 'node:events';
import type { AwsAccess, AwsCallOptions, AwsCredentials, Config, ServiceId } from '../types.ts';
import { redact, registerSecret } from '../redact.ts';
import { addReadOnlyGuard, guardError, operationOf } from './guard.ts';
import { isAllowedOperation } from './allowlist.ts';
import { AwsCallError, toAwsCallError, UNREACHABLE_NODE_CODES } from './errors.ts';

/** How each service's client is found: package and client class. Imported with a literal path so bundlers split. */
const CLIENT_LOADERS: Record<ServiceId, () => Promise<{ module: Record<string, any>; clientName: string }>> = {
  sts: async () => ({ module: await import('@aws-sdk/client-sts'), clientName: 'STSClient' }),
  iam: async () => ({ module: await import('@aws-sdk/client-iam'), clientName: 'IAMClient' }),
  ec2: async () => ({ module: await import('@aws-sdk/client-ec2'), clientName: 'EC2Client' }),
  eks: async () => ({ module: await import('@aws-sdk/client-eks'), clientName: 'EKSClient' }),
  redshift: async () => ({ module: await import('@aws-sdk/client-redshift'), clientName: 'RedshiftClient' }),
  rds: async () => ({ module: await import('@aws-sdk/client-rds'), clientName: 'RDSClient' }),
  secretsmanager: async () => ({ module: await import('@aws-sdk/client-secrets-manager'), clientName: 'SecretsManagerClient' }),
  kms: async () => ({ module: await import('@aws-sdk/client-kms'), clientName: 'KMSClient' }),
  athena: async () => ({ module: await import('@aws-sdk/client-athena'), clientName: 'AthenaClient' }),
  cloudtrail: async () => ({ module: await import('@aws-sdk/client-cloudtrail'), clientName: 'CloudTrailClient' }),
};

export interface CreateAwsAccessOptions {
  config: Config;
  env?: Readonly<Record<string, string | undefined>>;
  /** The run's signal; each task view adds its own. */
  signal?: AbortSignal;
  debug?: (line: string) => void;
  /** Tests: a credentials provider instead of the default chain. */
  credentialsProvider?: () => Promise<AwsCredentials>;
  /** Attempts per call including the first (default 2). */
  maxAttempts?: number;
}

/** AwsAccess plus the per-task view the runner hands to each probe (its own abort signal). */
export interface AwsAccessRoot extends AwsAccess {
  forTask(signal: AbortSignal, hooks?: TaskHooks): AwsAccess;
}

export interface TaskHooks {
  /** Stops the probe deadlines' clock while an SDK module loads (it blocks the event loop); returns resume. */
  pauseDeadline?: () => () => void;
}

export function isAwsAccessRoot(access: AwsAccess): access is AwsAccessRoot {
  return typeof (access as Partial<AwsAccessRoot>).forTask === 'function';
}

const CONNECT_FAILURE = /did not establish a connection|without establishing a connection/i;

function nodeCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: unknown } | undefined;
  if (e && typeof e.code === 'string') return e.code;
  return undefined;
}

/**
 * A small retry strategy (smithy RetryStrategyV2): retries throttling, 5xx and resets after connect, with jittered
 * backoff capped well below a probe's deadline; never an endpoint that refused, did not answer the SYN, or does not
 * resolve — those are findings and must surface at once — nor a request that ran out of time.
 */
export function boundedRetryStrategy(maxAttempts: number) {
  const token = (count: number, delay: number) => ({ getRetryCount: () => count, getRetryDelay: () => delay });
  return {
    mode: 'gateway-doctor-bounded',
    async acquireInitialRetryToken(_scope: string) {
      return token(0, 0);
    },
    async refreshRetryTokenForRetry(previous: { getRetryCount(): number }, info: { errorType: string; error?: unknown }) {
      const attempt = previous.getRetryCount() + 1;
      if (attempt >= maxAttempts) throw new Error('no more attempts');
      const err = info.error as { name?: string; message?: string } | undefined;
      const code = nodeCode(err);
      if (code && UNREACHABLE_NODE_CODES.has(code)) throw new Error('unreachable: not retried');
      // The handler renames ECONNRESET/EPIPE to TimeoutError: a reset after connect is a peer fault, retried once.
      const peerReset = code === 'ECONNRESET' || code === 'EPIPE';
      if (!peerReset && (err?.name === 'TimeoutError' || CONNECT_FAILURE.test(err?.message ?? ''))) throw new Error('timeout: not retried');
      if (err?.name === 'AbortError') throw new Error('aborted');
      const retryable = info.errorType === 'THROTTLING' || info.errorType === 'SERVER_ERROR' || info.errorType === 'TRANSIENT';
      if (!retryable) throw new Error('not retryable');
      const base = info.errorType === 'THROTTLING' ? 200 : 100;
      const delay = Math.min(800, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      return token(attempt, Math.round(delay));
    },
    recordSuccess(_token: unknown) {},
  };
}

function abortReason(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}

/** Races `promise` against `signal`: an SDK call or provider that ignores its signal cannot hold a probe. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Registers every credential and secret value an AWS answer carries, so no output can show them. */
function registerSecretsInOutput(output: unknown, depth = 0): void {
  if (!output || typeof output !== 'object' || depth > 6) return;
  for (const [key, value] of Object.entries(output as Record<string, unknown>)) {
    if (typeof value === 'string') {
      if (/^(SecretAccessKey|SessionToken|SecretString|Token|Password)$/i.test(key)) registerSecret(value);
    } else if (value instanceof Uint8Array) {
      if (/^SecretBinary$/i.test(key)) {
        registerSecret(Buffer.from(value).toString('base64'));
        registerSecret(Buffer.from(value).toString('utf8'));
      }
    } else if (value && typeof value === 'object') {
      registerSecretsInOutput(value, depth + 1);
    }
  }
}

function registerCredentials(credentials: AwsCredentials): void {
  registerSecret(credentials.secretAccessKey);
  registerSecret(credentials.sessionToken);
}

export function createAwsAccess(options: CreateAwsAccessOptions): AwsAccessRoot {
  const { config } = options;
  const debug = options.debug;
  const maxAttempts = options.maxAttempts ?? 2;
  const connectTimeoutMs = config.options.connectTimeoutMs;
  // Bounded by the probe deadline: an accepted connection that never answers ends the request before the probe.
  const requestTimeoutMs = Math.max(1, config.options.probeTimeoutMs - 250);
  const clients = new Map<string, Promise<{ client: any; module: Record<string, any> }>>();
  let defaultCredentials: Promise<AwsCredentials> | undefined;
  let handlerModule: Promise<typeof import('@smithy/node-http-handler')> | undefined;
  let providersModule: Promise<typeof import('@aws-sdk/credential-providers')> | undefined;
  const loadProviders = () => (providersModule ??= import('@aws-sdk/credential-providers'));
  /** Keys of clients whose modules have loaded: only a first load pauses the deadline. */
  const ready = new Set<string>();
  let providersReady = !!options.credentialsProvider;

  /** Awaits a module load with the task's deadline paused (its signal can then only fire for the run deadline). */
  async function loading<T>(promise: Promise<T>, hooks: TaskHooks | undefined, signal: AbortSignal | undefined): Promise<T> {
    const resume = hooks?.pauseDeadline?.();
    try {
      return await raceSignal(promise, signal);
    } finally {
      resume?.();
    }
  }

  const log = (line: string) => debug?.(redact(line));

  function resolveDefaultCredentials(): Promise<AwsCredentials> {
    if (!defaultCredentials) {
      defaultCredentials = (async () => {
        try {
          let provider = options.credentialsProvider;
          if (!provider) {
            const { fromNodeProviderChain } = await loadProviders();
            // `timeout`/`maxRetries` reach the container (Pod Identity) and IMDS providers: bounded like a connect.
            provider = fromNodeProviderChain({ timeout: connectTimeoutMs, maxRetries: 1, clientConfig: { region: config.region } } as any) as () => Promise<AwsCredentials>;
          }
          const credentials = await provider();
          registerCredentials(credentials);
          log(`credentials: default chain gave access key ${credentials.accessKeyId}`);
          return credentials;
        } catch (err) {
          const wrapped = toAwsCallError(err, 'sts', 'ResolveCredentials');
          if (wrapped.info.kind !== 'credentials') {
            // Whatever the chain tripped over, for the caller it means: no credentials.
            throw new AwsCallError({ ...wrapped.info, kind: 'credentials', awsCode: wrapped.info.awsCode ?? 'CredentialsProviderError' });
          }
          throw wrapped;
        }
      })();
      defaultCredentials.catch(() => {});
    }
    return defaultCredentials;
  }

  async function getClient(service: ServiceId, region: string, credentials: AwsCredentials | undefined) {
    const key = `${service}|${region}|${credentials ? credentials.accessKeyId : 'default-chain'}`;
    let entry = clients.get(key);
    if (!entry) {
      entry = (async () => {
        const started = Date.now();
        // Node 20 is this tool's supported runtime; the SDK's notice about future versions is noise in a report.
        process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
        const [{ module, clientName }, { NodeHttpHandler }] = await Promise.all([
          CLIENT_LOADERS[service](),
          (handlerModule ??= import('@smithy/node-http-handler')),
        ]);
        const Client = module[clientName];
        const client = new Client({
          region,
          credentials: credentials
            ? async () => credentials
            : async () => resolveDefaultCredentials(),
          maxAttempts,
          retryStrategy: boundedRetryStrategy(maxAttempts),
          requestHandler: new NodeHttpHandler({
            connectionTimeout: connectTimeoutMs,
            requestTimeout: requestTimeoutMs,
            throwOnRequestTimeout: true,
          }),
        });
        addReadOnlyGuard(client.middlewareStack, service);
        log(`aws: ${clientName} for ${region} ready in ${Date.now() - started} ms`);
        return { client, module };
      })();
      clients.set(key, entry);
      entry.catch(() => clients.delete(key));
    }
    return entry;
  }

  async function call(service: ServiceId, operation: string, input: object, callOptions: AwsCallOptions | undefined, signal: AbortSignal | undefined, hooks?: TaskHooks): Promise<any> {
    const op = operationOf(operation);
    // Checked here too, so a refused operation never even loads its client.
    if (!isAllowedOperation(service, op)) throw guardError(service, op);
    if (!CLIENT_LOADERS[service]) throw new AwsCallError({ service, operation: op, kind: 'client', message: `unknown service ${service}` });
    const region = callOptions?.region ?? config.region;
    if (callOptions?.credentials) registerCredentials(callOptions.credentials);
    const started = Date.now();
    try {
      const key = `${service}|${region}|${callOptions?.credentials ? callOptions.credentials.accessKeyId : 'default-chain'}`;
      if (!callOptions?.credentials && !providersReady) {
        await loading(loadProviders(), hooks, signal);
        providersReady = true;
      }
      const clientPromise = getClient(service, region, callOptions?.credentials);
      const { client, module } = ready.has(key) ? await raceSignal(clientPromise, signal) : await loading(clientPromise, hooks, signal);
      ready.add(key);
      const Command = module[`${op}Command`];
      if (typeof Command !== 'function') {
        throw new AwsCallError({ service, operation: op, kind: 'client', message: `the SDK has no ${op}Command for ${service}` });
      }
      const output: any = await raceSignal<any>(client.send(new Command(input), signal ? { abortSignal: signal } : {}), signal);
      registerSecretsInOutput(output);
      log(`aws: ${service}:${op} ${region} ok in ${Date.now() - started} ms (request ${output?.$metadata?.requestId ?? '-'})`);
      return output;
    } catch (err) {
      let wrapped = toAwsCallError(err, service, op);
      // No credentials surfaces from the shared chain: name the call that needed them, not the chain.
      if (wrapped.info.kind === 'credentials' && wrapped.info.operation === 'ResolveCredentials') wrapped = new AwsCallError({ ...wrapped.info, service, operation: op });
      log(`aws: ${service}:${op} ${region} failed in ${Date.now() - started} ms: ${wrapped.info.kind} ${wrapped.info.awsCode ?? ''} ${wrapped.info.message}`);
      throw wrapped;
    }
  }

  function view(signal: AbortSignal | undefined, hooks?: TaskHooks): AwsAccess {
    return {
      call: (service, operation, input, callOptions) => call(service, operation, input, callOptions, signal, hooks),
      credentials: async () => {
        try {
          if (!providersReady) {
            await loading(loadProviders(), hooks, signal);
            providersReady = true;
          }
          return await raceSignal(resolveDefaultCredentials(), signal);
        } catch (err) {
          throw toAwsCallError(err, 'sts', 'ResolveCredentials');
        }
      },
    };
  }

  const root = view(options.signal);
  return {
    ...root,
    forTask: (signal: AbortSignal, hooks?: TaskHooks) => {
      const combined = options.signal ? AbortSignal.any([options.signal, signal]) : signal;
      setMaxListeners(0, combined);
      return view(combined, hooks);
    },
  };
}

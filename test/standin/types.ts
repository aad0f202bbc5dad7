// The stand-in's shared types: what a service module (test/standin/services/<service>.ts) is written against.
// A module declares its protocol and operations; the framework routes, verifies SigV4, decodes the request,
// calls the handler with the verified caller, and serialises the result or the AwsFault it throws.

/** The parts of a world (test/world/types.ts) the stand-in framework reads. Loose on purpose: the loader's
 *  World type is assignable to it, and service modules cast to the loader's type for the sections they own. */
export interface WorldView {
  name?: string;
  account: string;
  region: string;
  gateway?: any;
  pod?: any;
  iam?: { RoleDetailList?: any[]; Policies?: any[]; [k: string]: any };
  organizations?: { scps?: any[]; rcps?: any[]; [k: string]: any };
  eks?: any;
  [section: string]: any;
}

export type Via = 'pod-identity' | 'assume-role' | 'imds' | 'web-identity' | 'static' | 'harness';

/** Who sent a request (or, for a service acting on a principal's behalf, who the evaluation is for). */
export interface Principal {
  /** 'assumed-role': a role session; 'harness': the test harness's own key (always allowed, logged apart);
   *  'service': an AWS service principal such as pods.eks.amazonaws.com; 'user': an IAM user (static keys). */
  kind: 'assumed-role' | 'harness' | 'service' | 'user' | 'anonymous';
  /** arn:aws:sts::ACCT:assumed-role/ROLE/SESSION, an IAM user ARN, or the service principal name. */
  arn: string;
  /** arn:aws:iam::ACCT:role/ROLE for sessions ('' otherwise). */
  roleArn: string;
  roleId: string;
  accountId: string;
  sessionName: string;
  /** Session tags (for sessions); aws:PrincipalTag/* also includes the role's own tags. */
  tags: Record<string, string>;
  transitiveTagKeys: string[];
  via: Via;
  expiration?: Date;
  /** true when this session was obtained by a principal that was itself an assumed-role session */
  chained: boolean;
  sourceIdentity?: string;
  /** the inline session policy passed to AssumeRole (Policy): caps every later request of this session */
  sessionPolicy?: unknown;
}

export interface IssuedCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  arn: string;
  via: string;
}

export interface RequestLogEntry {
  time: string;
  service: string;
  operation: string;
  callerArn: string;
  accessKeyId: string;
  decision: 'allow' | 'deny' | 'error';
  httpStatus: number;
  errorCode?: string;
  harness: boolean;
  requestId: string;
  /** the evaluator's reason for the last authorize() of this request, or the fault's message */
  reason?: string;
  /** (issue 8) the injected fault that decided this request, when the world's `faults` named one */
  fault?: string;
}

export type Protocol = 'query' | 'ec2' | 'json' | 'rest-json';

export interface StandinRequest {
  service: string;
  operation: string;
  /** Decoded input: query/ec2 bodies as nested objects/arrays (lists collapsed, maps as records, ec2 list
   *  names also under their plural alias), JSON bodies as parsed, rest-json path + query params merged. */
  params: any;
  caller: Principal;
  accessKeyId: string;
  requestId: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** the region of the SigV4 credential scope */
  region: string;
}

export interface AuthorizeInput {
  caller: Principal;
  /** e.g. 'secretsmanager:GetSecretValue' */
  action: string;
  /** the resource ARN ('*' for actions without resources) */
  resource: string;
  /** e.g. a trust policy, secret resource policy or key policy */
  resourcePolicy?: unknown;
  /** extra request context keys (aws:RequestTag/*, aws:TagKeys, sts:ExternalId, aws:SourceArn, ...) */
  context?: Record<string, string | string[]>;
  /** account that owns the resource; default: parsed from the ARN, else the world's account */
  resourceAccount?: string;
}

export interface Decision {
  allowed: boolean;
  /** 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Error' */
  result: string;
  /** human-readable: which policy decided, for the log and for AccessDenied wording */
  reason: string;
  /** where the denial came from, when denied */
  deniedBy?: Array<'identity' | 'resource' | 'boundary' | 'scp' | 'rcp' | 'session' | 'invalid'>;
  explicit?: boolean;
}

export interface StandinContext {
  world: WorldView;
  service: string;
  operation: string;
  requestId: string;
  region: string;
  /** Decide a request with the independent evaluator (iam-simulate). Async. Remembered for sc.deny(). */
  authorize(input: AuthorizeInput): Promise<Decision>;
  /** Throw the AccessDenied fault worded as this service words it. */
  deny(caller: Principal, action: string, resource: string, decision?: Decision): never;
  /** authorize and, when denied, deny: `await sc.require({caller, action, resource, ...})` */
  require(input: AuthorizeInput): Promise<Decision>;
  /** Credentials registry: issue a session for a principal (STS, agent, IMDS use this). */
  issue(principal: Principal, opts?: { static?: boolean }): IssuedCredential & { expiration: Date };
  /** Find the principal behind an access key. */
  lookup(accessKeyId: string): Principal | undefined;
}

export type OperationHandler = (req: StandinRequest, sc: StandinContext) => unknown | Promise<unknown>;

export interface ServiceModule {
  /** SigV4 signing name: 'sts' | 'iam' | 'ec2' | 'eks' | 'redshift' | 'rds' | 'secretsmanager' | 'kms' | 'athena' | 'cloudtrail' */
  signingName: string;
  protocol: Protocol;
  /** Host prefix when it differs from signingName (`<prefix>.<region>.amazonaws.com`) */
  endpointPrefix?: string;
  /** Global services: the exact host names (iam.amazonaws.com, sts.amazonaws.com) */
  globalHosts?: string[];
  /** query/ec2: the XML list item element per list field name, when not 'member' (query) / 'item' (ec2).
   *  Used both to decode inputs (`Filters.Filter.1.Name`) and to encode outputs. */
  listItemNames?: Record<string, string>;
  /** ec2 only: extra PascalCase -> wire name renames for ec2Wire() (see codecs/ec2.ts EC2_WIRE_NAMES) */
  ec2WireNames?: Record<string, string>;
  /** query: the xmlns of responses; default https://<signingName>.amazonaws.com/doc/<Version>/ */
  xmlNamespace?: string;
  /** rest-json only: routes like 'GET /clusters/{name}' -> operation name */
  routes?: Record<string, string>;
  /** rest-json only: HTTP status per operation for success (default 200) */
  successStatus?: Record<string, number>;
  /** json only: the key the error message goes under (default 'message'; Secrets Manager uses 'Message') */
  errorMessageKey?: string;
  /** operations that AWS accepts unsigned (sts AssumeRoleWithWebIdentity); their caller is kind 'anonymous' */
  anonymousOperations?: string[];
  /** optional: word AccessDenied differently from the framework's default for this protocol */
  denyFault?: (caller: Principal, action: string, resource: string, decision?: Decision) => AwsFault | undefined;
  operations: Record<string, OperationHandler>;
}

/** An AWS error. The framework renders it as that protocol's error body. */
export class AwsFault extends Error {
  readonly code: string;
  readonly httpStatus: number;
  /** 'Sender' | 'Receiver' (query protocols) */
  readonly type: 'Sender' | 'Receiver';
  /** marks an authorisation denial in the log */
  deny: boolean;
  /** extra response headers */
  headers?: Record<string, string>;
  constructor(code: string, message: string, httpStatus = 400, opts: { type?: 'Sender' | 'Receiver'; deny?: boolean; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'AwsFault';
    this.code = code;
    this.httpStatus = httpStatus;
    this.type = opts.type ?? (httpStatus >= 500 ? 'Receiver' : 'Sender');
    this.deny = opts.deny ?? false;
    this.headers = opts.headers;
  }
}

export function isAwsFault(e: unknown): e is AwsFault {
  return e instanceof AwsFault;
}

// The bad-input corpus for configs (issue 8): each entry is a config file's bytes and what the error must name.
// Every one must make `gateway-doctor run --config FILE` exit 2, name the field or the position, print no stack,
// and write nothing (no report on stdout, no --output file).
const ROLE = 'arn:aws:iam::111122223333:role/ai-gateway';
const OK = `region: us-east-1\nroleArn: ${ROLE}\nplatformAccountId: "999988887777"\norganizationId: org-7f3a9c\nclusterName: prod\n`;
const withLine = (line: string) => OK + line + '\n';
const replace = (from: string, to: string) => OK.replace(from, to);

export interface BadInput {
  name: string;
  /** file content (string or bytes) */
  content: string | Buffer;
  /** what stderr must say (a field path, a position) */
  expect: RegExp;
}

export const BAD_CONFIGS: BadInput[] = [
  // malformed YAML: the position is named
  { name: 'unclosed flow sequence', content: 'region: [us-east-1\n', expect: /config\.yaml:\d+:\d+: YAML:/ },
  { name: 'unclosed flow mapping', content: withLine('options: { concurrency: 3'), expect: /config\.yaml:\d+:\d+: YAML:/ },
  { name: 'tab indentation', content: 'targets:\n\t- name: a\n', expect: /config\.yaml:\d+:\d+: YAML:/ },
  { name: 'duplicate key', content: OK + 'region: eu-west-1\n', expect: /config\.yaml:\d+:\d+: YAML: .*[Dd]uplicate|config\.yaml:\d+:\d+: YAML: Map keys must be unique/ },
  { name: 'bad indentation', content: 'region: us-east-1\n  roleArn: x\n', expect: /config\.yaml:\d+:\d+: YAML:/ },
  { name: 'unterminated quote', content: 'region: "us-east-1\n', expect: /config\.yaml:\d+:\d+: YAML:/ },
  { name: 'stray colon mapping', content: 'region: us-east-1: extra\n', expect: /config\.yaml:\d+:\d+: YAML:/ },
  { name: 'undefined alias', content: 'region: *nothing\n', expect: /config\.yaml(:\d+:\d+)?: YAML:/ },
  // not a mapping at all
  { name: 'empty file', content: '', expect: /config\.yaml: is empty/ },
  { name: 'only a comment', content: '# nothing here\n', expect: /config\.yaml: is empty/ },
  { name: 'a list', content: '- roleArn\n- region\n', expect: /config\.yaml: must be a mapping of config fields, got a list/ },
  { name: 'a scalar', content: 'just some words\n', expect: /config\.yaml: must be a mapping of config fields, got string/ },
  { name: 'a number', content: '42\n', expect: /config\.yaml: must be a mapping of config fields, got number/ },
  { name: 'JSON array', content: '[1, 2, 3]\n', expect: /config\.yaml: must be a mapping/ },
  { name: 'binary (NUL bytes)', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x00, 0x3a]), expect: /config\.yaml: is not a text file/ },
  { name: 'binary (random high bytes)', content: Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x00, 0x42]), expect: /config\.yaml: is not a text file/ },
  { name: 'huge', content: 'x: "' + 'a'.repeat(1024 * 1024 + 1) + '"\n', expect: /config\.yaml: is \d+ bytes; a config is at most 1048576 bytes/ },
  // unknown fields
  { name: 'unknown top-level field', content: withLine('rolearn: x'), expect: /rolearn: unknown field/ },
  { name: 'world file given instead of a config', content: 'name: x\naccount: "111122223333"\ngateway:\n  roleArn: x\n', expect: /gateway: unknown field/ },
  { name: 'unknown option', content: withLine('options: { concurency: 4 }'), expect: /options\.concurency: unknown field/ },
  { name: 'unknown target field', content: withLine('targets: [{ name: a, host: a.example.internal, port: 1, tls: true }]'), expect: /targets\[0\]\.tls: unknown field/ },
  // wrong types
  { name: 'roleArn a number', content: replace(`roleArn: ${ROLE}`, 'roleArn: 12'), expect: /roleArn: must be an IAM role ARN, got number/ },
  { name: 'secrets a string', content: withLine('secrets: arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf'), expect: /secrets: must be an array, got a string/ },
  { name: 'targets a mapping', content: withLine('targets: { name: a }'), expect: /targets: must be an array, got a mapping/ },
  { name: 'sessionTags a list', content: withLine('sessionTags: [a, b]'), expect: /sessionTags: /},
  { name: 'sessionTags value a number', content: withLine('sessionTags: { team: 7 }'), expect: /sessionTags\.team: tag values must be strings/ },
  { name: 'concurrency a string', content: withLine('options: { concurrency: lots }'), expect: /options\.concurrency: must be a number/ },
  { name: 'sessionDurationSeconds fractional', content: withLine('sessionDurationSeconds: 1000.5'), expect: /sessionDurationSeconds: must be a whole number/ },
  { name: 'external not a list of names', content: withLine('external: [sts, 42]'), expect: /external\[1\]: must be one of/ },
  { name: 'null required field', content: replace('clusterName: prod', 'clusterName: null'), expect: /clusterName: must be an EKS cluster name, got null/ },
  // bad ARNs and ids
  { name: 'user ARN instead of role', content: replace(ROLE, 'arn:aws:iam::111122223333:user/bob'), expect: /roleArn: must be an IAM role ARN/ },
  { name: 'role ARN with a short account', content: replace(ROLE, 'arn:aws:iam::11112222333:role/x'), expect: /roleArn: must be an IAM role ARN/ },
  { name: 'role ARN with a wildcard', content: replace(ROLE, 'arn:aws:iam::111122223333:role/*'), expect: /roleArn: must be an IAM role ARN/ },
  { name: 'secret name instead of ARN', content: withLine('secrets: [gw/prod/snowflake]'), expect: /secrets\[0\]: must be a Secrets Manager secret ARN/ },
  { name: 'secret ARN of another service', content: withLine('secrets: ["arn:aws:ssm:us-east-1:111122223333:parameter/x"]'), expect: /secrets\[0\]: must be a Secrets Manager secret ARN/ },
  { name: 'account id with letters', content: replace('"999988887777"', '"9999888877ab"'), expect: /platformAccountId: must be a 12-digit account id/ },
  { name: 'account id unquoted, leading zero lost', content: replace('"999988887777"', '012345678901'), expect: /platformAccountId: .*quote it/ },
  { name: 'bad region', content: replace('region: us-east-1', 'region: US-EAST-1'), expect: /region: must be an AWS region/ },
  { name: 'security group id malformed', content: withLine('targets: [{ name: a, host: a.example.internal, port: 5432, securityGroupIds: [group-1] }]'), expect: /targets\[0\]\.securityGroupIds\[0\]: must be a security group id/ },
  // ports and targets
  { name: 'port too large', content: withLine('targets: [{ name: a, host: a.example.internal, port: 65536 }]'), expect: /targets\[0\]\.port: must be between 1 and 65535/ },
  { name: 'port zero', content: withLine('targets: [{ name: a, host: a.example.internal, port: 0 }]'), expect: /targets\[0\]\.port: must be between 1 and 65535/ },
  { name: 'port negative', content: withLine('targets: [{ name: a, host: a.example.internal, port: -5 }]'), expect: /targets\[0\]\.port: must be between 1 and 65535/ },
  { name: 'port as text', content: withLine('targets: [{ name: a, host: a.example.internal, port: "5432/tcp" }]'), expect: /targets\[0\]\.port: must be a number/ },
  { name: 'target without host or cluster', content: withLine('targets: [{ name: a, port: 5432 }]'), expect: /targets\[0\]: needs host \(with port\) or redshiftClusterId/ },
  { name: 'target with both', content: withLine('targets: [{ name: a, host: h.example, port: 1, redshiftClusterId: c }]'), expect: /targets\[0\]: give host or redshiftClusterId, not both/ },
  { name: 'host without port', content: withLine('targets: [{ name: a, host: h.example }]'), expect: /targets\[0\]\.port: required with host/ },
  { name: 'duplicate target names', content: withLine('targets: [{ name: a, redshiftClusterId: x }, { name: a, redshiftClusterId: y }]'), expect: /targets\[1\]\.name: duplicate target name/ },
  { name: 'host with a URL', content: withLine('targets: [{ name: a, host: "https://db.example.internal", port: 5432 }]'), expect: /targets\[0\]\.host: must be a host name/ },
  // missing required
  { name: 'nothing required present', content: 'sessionDurationSeconds: 3600\n', expect: /roleArn: required/ },
  { name: 'no region anywhere', content: OK.replace('region: us-east-1\n', ''), expect: /region: required \(set region in the config, --region, or AWS_REGION\)/ },
  // bounds
  { name: 'duration too short', content: withLine('sessionDurationSeconds: 60'), expect: /sessionDurationSeconds: must be between 900 and 43200/ },
  { name: 'too many session tags', content: withLine(`sessionTags: { ${Array.from({ length: 51 }, (_, i) => `k${i}: v`).join(', ')} }`), expect: /sessionTags: at most 50 session tags/ },
  { name: 'tag key too long', content: withLine(`sessionTags: { ${'k'.repeat(129)}: v }`), expect: /sessionTags\.k{20}…: tag keys are at most 128 characters/ },
  { name: 'concurrency zero', content: withLine('options: { concurrency: 0 }'), expect: /options\.concurrency: / },
  { name: 'output unknown', content: withLine('options: { output: xml }'), expect: /options\.output: / },
  { name: 'pod ip malformed', content: withLine('podIp: 10.0.3.256'), expect: /podIp: must be an IPv4 or IPv6 address/ },
  // newcomer: the range is said in the product's words (not zod's "Too small: expected number to be >=1"), and an
  // overflowing number is "Infinity", not "a Infinity"
  { name: 'concurrency zero', content: withLine('options: { concurrency: 0 }'), expect: /options\.concurrency: must be between 1 and 1024$/m },
  { name: 'probe timeout negative', content: withLine('options: { probeTimeoutMs: -3 }'), expect: /options\.probeTimeoutMs: must be between 1 and 600000$/m },
  { name: 'another file altogether (many unknown keys)', content: Array.from({ length: 30 }, (_, i) => `user${i}: x:${i}:${i}:/home/user${i}:/bin/sh`).join('\n') + '\n', expect: /user7: unknown field\n\s+\(config\): 22 more unknown fields \(30 in all\): is this a gateway-doctor config\?/ },
  { name: 'probe timeout overflows', content: withLine('options: { probeTimeoutMs: 1e400 }'), expect: /options\.probeTimeoutMs: must be a number, got Infinity$/m },
];

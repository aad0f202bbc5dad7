// network — reach from this pod (CATALOG.md).
import type { CodeTable } from './types.ts';

export const networkCodes = {
  DNS_NXDOMAIN: { status: 'fail', title: 'The name does not exist (NXDOMAIN)' },
  DNS_SERVFAIL: { status: 'fail', title: 'The resolver failed (SERVFAIL)' },
  DNS_TIMEOUT: { status: 'fail', title: 'The resolver did not answer' },
  DNS_PUBLIC_ADDRESS: { status: 'fail', title: 'A name expected to resolve privately resolves to a public address' },
  TCP_TIMEOUT: { status: 'fail', title: 'The connection was silently dropped (timeout)' },
  TCP_REFUSED: { status: 'fail', title: 'The connection was refused: nothing listens on that port' },
  TCP_HOST_UNREACHABLE: { status: 'fail', title: 'Host unreachable' },
  TCP_NET_UNREACHABLE: { status: 'fail', title: 'Network unreachable' },
  TCP_RESET: { status: 'fail', title: 'Accepted, then reset' },
  TCP_SLOW_ADDRESS: { status: 'warn', title: 'An address was slow to connect, or one of several failed' },
  SG_INGRESS_MISSING: { status: 'fail', title: "No rule of the target's security groups admits the port from this pod" },
  SG_SOURCE_NOT_CARRIED: { status: 'fail', title: "The rule names a security group this pod's traffic does not carry" },
  SG_EGRESS_BLOCKED: { status: 'fail', title: "The pod's security groups allow no egress to the target" },
  SG_REFERENCE_ACROSS_NAT: { status: 'fail', title: 'A group-referencing rule cannot match traffic from a translated address' },
  VPC_NOT_CONNECTED: { status: 'fail', title: 'The target is in another VPC with no active peering or transit gateway attachment' },
  ROUTE_MISSING: { status: 'fail', title: 'A route is missing in one direction' },
  NACL_DENY: { status: 'fail', title: 'A network ACL denies the traffic or its return' },
  EGRESS_TIMEOUT: { status: 'fail', title: 'The external endpoint cannot be reached (no NAT route or endpoint)' },
  EGRESS_TLS_FAILED: { status: 'fail', title: 'The TLS handshake failed (intercepting proxy, wrong name)' },
  STS_GLOBAL_ENDPOINT: { status: 'warn', title: 'The global STS endpoint is selected inside a VPC' },
} satisfies CodeTable;

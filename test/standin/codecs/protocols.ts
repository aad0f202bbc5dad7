// The four wire protocols the stand-in speaks: decode a request into (operation, params) and encode a result
// or an AwsFault the way that protocol's SDK deserialisers and botocore expect.
//   query     STS, IAM, Redshift, RDS: form body Action/Version; <OpResponse><OpResult>…; <ErrorResponse>
//   ec2       EC2: form body, `X.N` lists; <OpResponse><requestId>…; <Response><Errors><Error>
//   json      JSON 1.1: X-Amz-Target Prefix.Op; {"__type","message"} + x-amzn-ErrorType
//   rest-json EKS: method + path routes; JSON; x-amzn-ErrorType
import type { ServiceModule } from '../types.ts';
import { AwsFault } from '../types.ts';
import { decodeForm } from './form.ts';
import { ec2Wire } from './ec2.ts';
import { escapeXml, xmlChildren } from './xml.ts';

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export interface WireRequest {
  method: string;
  path: string; // without query
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Decoded {
  operation: string;
  params: any;
  version: string;
}

function header(h: WireRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function matchRoute(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const m = /^\{(\w+)(\+)?\}$/.exec(p[i]);
    if (m && m[2]) { params[m[1]] = s.slice(i).map(decodeURIComponent).join('/'); return s.length > i ? params : undefined; }
    if (i >= s.length) return undefined;
    if (m) params[m[1]] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return undefined;
  }
  return p.length === s.length ? params : undefined;
}

function parseJsonBody(body: Buffer): any {
  if (body.length === 0) return {};
  try { return JSON.parse(body.toString('utf8')); } catch {
    throw new AwsFault('SerializationException', 'Start of structure or map found where not expected.', 400);
  }
}

export function decodeRequest(mod: ServiceModule, req: WireRequest): Decoded {
  switch (mod.protocol) {
    case 'query':
    case 'ec2': {
      const text = req.method === 'GET'
        ? new URLSearchParams(req.query).toString()
        : req.body.toString('utf8');
      const { action, version, params } = decodeForm(text, { ec2: mod.protocol === 'ec2', itemNames: mod.listItemNames });
      if (!action) throw new AwsFault(mod.protocol === 'ec2' ? 'MissingAction' : 'MissingAction', 'Could not find operation  for version ' + version, 400);
      return { operation: action, params, version };
    }
    case 'json': {
      const target = header(req.headers, 'x-amz-target') ?? '';
      const operation = target.slice(target.lastIndexOf('.') + 1);
      if (!operation) throw new AwsFault('UnknownOperationException', '', 400);
      return { operation, params: parseJsonBody(req.body), version: '' };
    }
    case 'rest-json': {
      for (const [route, operation] of Object.entries(mod.routes ?? {})) {
        const sp = route.indexOf(' ');
        if (route.slice(0, sp).toUpperCase() !== req.method.toUpperCase()) continue;
        const pathParams = matchRoute(route.slice(sp + 1), req.path);
        if (!pathParams) continue;
        const body = ['GET', 'HEAD', 'DELETE'].includes(req.method.toUpperCase()) ? {} : parseJsonBody(req.body);
        return { operation, params: { ...req.query, ...body, ...pathParams }, version: '' };
      }
      throw new AwsFault('UnknownOperationException', `No route for ${req.method} ${req.path}`, 404);
    }
  }
}

function queryNamespace(mod: ServiceModule, version: string): string {
  return mod.xmlNamespace ?? `https://${mod.signingName}.amazonaws.com/doc/${version}/`;
}

export function encodeResult(mod: ServiceModule, decoded: Decoded, output: unknown, requestId: string): WireResponse {
  const baseHeaders = { 'x-amzn-RequestId': requestId };
  const op = decoded.operation;
  switch (mod.protocol) {
    case 'query': {
      const opts = { itemName: (f: string) => mod.listItemNames?.[f] ?? 'member' };
      const result = output === undefined || output === null ? '' : `<${op}Result>${xmlChildren(output, opts)}</${op}Result>`;
      const body = `<${op}Response xmlns="${queryNamespace(mod, decoded.version)}">${result}` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`;
      return { status: 200, headers: { ...baseHeaders, 'content-type': 'text/xml' }, body };
    }
    case 'ec2': {
      const opts = { itemName: (f: string) => mod.listItemNames?.[f] ?? 'item' };
      const wire = ec2Wire(output ?? {}, mod.ec2WireNames ?? {});
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${op}Response xmlns="${EC2_XMLNS}">` +
        `<requestId>${requestId}</requestId>${xmlChildren(wire, opts)}</${op}Response>`;
      return { status: 200, headers: { ...baseHeaders, 'content-type': 'text/xml;charset=UTF-8' }, body };
    }
    case 'json':
      return { status: 200, headers: { ...baseHeaders, 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(output ?? {}, jsonDates) };
    case 'rest-json':
      return {
        status: mod.successStatus?.[op] ?? 200,
        headers: { ...baseHeaders, 'content-type': 'application/json' },
        body: JSON.stringify(output ?? {}, jsonDates),
      };
  }
}

/** JSON protocols carry timestamps as epoch seconds. */
function jsonDates(this: any, key: string, value: unknown): unknown {
  const raw = this?.[key];
  if (raw instanceof Date) return raw.getTime() / 1000;
  return value;
}

export function encodeFault(mod: ServiceModule | undefined, fault: AwsFault, requestId: string, version = ''): WireResponse {
  const headers: Record<string, string> = { 'x-amzn-RequestId': requestId, ...(fault.headers ?? {}) };
  const protocol = mod?.protocol ?? 'json';
  switch (protocol) {
    case 'query': {
      const ns = mod ? ` xmlns="${queryNamespace(mod, version || '2011-06-15')}"` : '';
      const body = `<ErrorResponse${ns}><Error><Type>${fault.type}</Type><Code>${escapeXml(fault.code)}</Code>` +
        `<Message>${escapeXml(fault.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      return { status: fault.httpStatus, headers: { ...headers, 'content-type': 'text/xml' }, body };
    }
    case 'ec2': {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(fault.code)}</Code>` +
        `<Message>${escapeXml(fault.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
      return { status: fault.httpStatus, headers: { ...headers, 'content-type': 'text/xml;charset=UTF-8' }, body };
    }
    case 'json': {
      const key = mod?.errorMessageKey ?? 'message';
      return {
        status: fault.httpStatus,
        headers: { ...headers, 'content-type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': fault.code },
        body: JSON.stringify({ __type: fault.code, [key]: fault.message }),
      };
    }
    case 'rest-json':
      return {
        status: fault.httpStatus,
        headers: { ...headers, 'content-type': 'application/json', 'x-amzn-ErrorType': fault.code },
        body: JSON.stringify({ message: fault.message }),
      };
  }
}

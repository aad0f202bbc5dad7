// Decoding form-encoded query/EC2 inputs (`Tags.member.1.Key=…`, `Filter.1.Value.1=…`, `Attr.entry.1.key=…`)
// into nested objects and arrays. Scalars stay strings: a handler converts numbers and booleans itself.

type Node = Record<string, any> | any[];

function setPath(root: Record<string, any>, path: string[], value: string): void {
  let node: Node = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    const key: string | number = /^\d+$/.test(seg) && Array.isArray(node) ? Number(seg) - 1 : seg;
    if (last) { (node as any)[key] = value; return; }
    const nextIsIndex = /^\d+$/.test(path[i + 1]);
    let child: any = (node as any)[key];
    if (child === undefined || typeof child !== 'object') {
      child = nextIsIndex ? [] : {};
      (node as any)[key] = child;
    }
    node = child;
  }
}

function dense(a: any[]): any[] {
  return a.filter((x) => x !== undefined);
}

/** Collapse `X.member.N` / `X.<item>.N` wrappers into arrays and `X.entry.N.key/value` into records. */
function collapse(node: any, field: string, itemNames: Record<string, string>): any {
  if (Array.isArray(node)) return dense(node).map((v) => collapse(v, field, itemNames));
  if (node === null || typeof node !== 'object') return node;
  const keys = Object.keys(node);
  if (keys.length === 1) {
    const only = keys[0];
    const v = node[only];
    if (Array.isArray(v) && (only === 'member' || only === itemNames[field])) return collapse(v, field, itemNames);
    if (Array.isArray(v) && only === 'entry') {
      const map: Record<string, any> = {};
      for (const e of dense(v)) {
        const k = e?.key ?? e?.Key;
        if (k !== undefined) map[k] = collapse(e?.value ?? e?.Value, field, itemNames);
      }
      return map;
    }
  }
  const out: Record<string, any> = {};
  for (const k of keys) out[k] = collapse(node[k], k, itemNames);
  return out;
}

/** EC2 serialises lists as `GroupId.N` / `Filter.N.Value.N` under the singular locationName; the SDK's input
 *  shapes call them GroupIds / Filters / Values. Expose each list under both names. */
function pluralAliases(node: any): any {
  if (Array.isArray(node)) return node.map(pluralAliases);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(node)) {
    const val = pluralAliases(v);
    out[k] = val;
    if (Array.isArray(val) && !k.endsWith('s') && out[k + 's'] === undefined) out[k + 's'] = val;
  }
  return out;
}

export function decodeForm(body: string, opts: { ec2?: boolean; itemNames?: Record<string, string> } = {}): { action: string; version: string; params: Record<string, any> } {
  const form = new URLSearchParams(body);
  const root: Record<string, any> = {};
  let action = '';
  let version = '';
  for (const [k, v] of form) {
    if (k === 'Action') { action = v; continue; }
    if (k === 'Version') { version = v; continue; }
    setPath(root, k.split('.'), v);
  }
  let params = collapse(root, '', opts.itemNames ?? {});
  if (opts.ec2) params = pluralAliases(params);
  return { action, version, params };
}

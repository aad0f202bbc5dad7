// XML writing for the query and EC2 protocols: objects become child elements, arrays become wrapped item
// lists, Dates ISO 8601 without milliseconds (as AWS writes them), null/undefined are left out.

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A map value (query protocol `<entry><key/><value/></entry>`), distinct from a structure. */
export class XmlMap {
  constructor(readonly entries: Record<string, unknown>) {}
}

export interface XmlOptions {
  /** list item element name for a list field (default 'member' / 'item') */
  itemName(field: string): string;
}

function scalar(v: unknown): string {
  if (v instanceof Date) return isoSeconds(v);
  if (typeof v === 'string') return escapeXml(v);
  if (typeof v === 'object') return escapeXml(JSON.stringify(v));
  return escapeXml(String(v));
}

/** Serialise the children of a structure (without the enclosing element). */
export function xmlChildren(value: unknown, opts: XmlOptions): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object' || value instanceof Date) return scalar(value);
  let out = '';
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out += xmlElement(k, v, opts);
  return out;
}

export function xmlElement(name: string, value: unknown, opts: XmlOptions): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) {
    const item = opts.itemName(name);
    return `<${name}>${value.map((v) => xmlElement(item, v, opts)).join('')}</${name}>`;
  }
  if (value instanceof XmlMap) {
    const entries = Object.entries(value.entries)
      .map(([k, v]) => `<entry><key>${escapeXml(k)}</key>${xmlElement('value', v, opts)}</entry>`).join('');
    return `<${name}>${entries}</${name}>`;
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    return `<${name}>${xmlChildren(value, opts)}</${name}>`;
  }
  return `<${name}>${scalar(value)}</${name}>`;
}

/**
 * JSON indented like `JSON.stringify(value, null, 2)` down to `inlineDepth`, with anything deeper on
 * one line: a thousand per-seed rows stay a thousand lines, and the file still diffs well.
 */
export function prettyJson(value: unknown, inlineDepth = 2): string {
  const write = (v: unknown, depth: number, indent: string): string => {
    if (v === null || typeof v !== 'object' || depth >= inlineDepth) return JSON.stringify(v) ?? 'null';
    const inner = indent + '  ';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((item) => inner + write(item, depth + 1, inner)).join(',\n')}\n${indent}]`;
    }
    const entries = Object.entries(v).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, item]) => `${inner}${JSON.stringify(k)}: ${write(item, depth + 1, inner)}`).join(',\n')}\n${indent}}`;
  };
  return write(value, 0, '') + '\n';
}

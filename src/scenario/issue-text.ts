import type { z } from 'zod';

/** zod's own wording starts so; the schema's messages say what is expected in the scenario's words. */
const ZOD_DEFAULT = /^Invalid (input|option|string|number|value)\b:?\s*/;

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/**
 * What a schema issue says about a value that is present: what was expected, then what was written
 * (`expected a duration such as 30s; got the number 300`). Never "received undefined" or "NaN":
 * a value that is absent is reported as missing by the caller, and odd numbers are named as YAML
 * writes them (`.nan`, `.inf`).
 */
export function presentValueMessage(issue: z.core.$ZodIssue): string {
  const expected = expectation(issue);
  const got = 'input' in issue && issue.input !== undefined && issue.code !== 'custom' ? `; got ${describeValue(issue.input)}` : '';
  return `${expected}${got}`;
}

/** What a schema issue expected, for a value that is absent (`missing; expected …`). */
export function expectation(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && ZOD_DEFAULT.test(issue.message))
    return `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
  const text = issue.message.replace(ZOD_DEFAULT, '');
  if (issue.code === 'too_small' || issue.code === 'too_big') return text.replace(/^Too (small|big): /, '');
  return text;
}

/** A value as a person reads it in a message: `the number 300`, `the text 'abc'`, `a list`, `.nan`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan (not a number)';
    if (!Number.isFinite(value)) return value > 0 ? '.inf (infinity)' : '-.inf (minus infinity)';
    return `the number ${value}`;
  }
  if (typeof value === 'string') return value.length > 40 ? `the text '${value.slice(0, 40)}…'` : `the text '${value}'`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `the number ${value}`;
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof Map || value instanceof Set) return 'a set';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

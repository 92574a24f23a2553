/**
 * A duration computed from a scenario's settings that keeps its own derivation: the value, the
 * formula in names (`fall × interval + timeout`) and the same formula with the numbers put into it
 * (`2 × 5s + 1s`). `explain` prints both, so every bound says where it comes from.
 */
export interface Expr {
  ms: number;
  /** The formula in names. */
  formula: string;
  /** The formula with the scenario's numbers. */
  numbers: string;
  /** A sum or difference: wrap it in parentheses inside a product or after a minus. */
  compound?: boolean;
  /** A `min(…)` or `max(…)` and its terms (nested ones flatten). */
  op?: 'min' | 'max';
  args?: Expr[];
}

/** A whole count from the scenario (a threshold, a number of checkers). */
export interface Count {
  value: number;
  formula: string;
  numbers: string;
  compound?: boolean;
}

/** Milliseconds as a scenario would write them, to the millisecond: `3.648s`, `500ms`, `60s`. */
export function msText(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const rounded = Math.round(ms * 1000) / 1000;
  if (Math.abs(rounded) < 1000) return `${Number(rounded.toFixed(3))}ms`;
  return `${Number((rounded / 1000).toFixed(3))}s`;
}

/** A named duration: `interval` = 5 s. */
export function dur(name: string, ms: number): Expr {
  return { ms, formula: name, numbers: msText(ms) };
}

/** A duration known only as a number (no name). */
export function lit(ms: number): Expr {
  return { ms, formula: msText(ms), numbers: msText(ms) };
}

export const ZERO: Expr = lit(0);

/** A named count: `fall` = 2. */
export function count(name: string, value: number): Count {
  return { value, formula: name, numbers: String(value) };
}

/** `(fall − 1)`. */
export function minusOne(c: Count): Count {
  return { value: c.value - 1, formula: `(${c.formula} − 1)`, numbers: `(${c.numbers} − 1)` };
}

const wrap = (e: { formula: string; numbers: string; compound?: boolean }) =>
  e.compound ? { formula: `(${e.formula})`, numbers: `(${e.numbers})` } : { formula: e.formula, numbers: e.numbers };

/** `count × duration`. */
export function times(c: Count, d: Expr): Expr {
  const a = wrap(c);
  const b = wrap(d);
  return { ms: c.value * d.ms, formula: `${a.formula} × ${b.formula}`, numbers: `${a.numbers} × ${b.numbers}` };
}

/** Sum of terms; zero literals are left out (a sum of nothing is 0). */
export function plus(...terms: Expr[]): Expr {
  const kept = terms.filter((t) => !(t.ms === 0 && t.formula === ZERO.formula));
  if (kept.length === 0) return ZERO;
  if (kept.length === 1) return kept[0]!;
  return {
    ms: kept.reduce((sum, t) => sum + t.ms, 0),
    formula: kept.map((t) => t.formula).join(' + '),
    numbers: kept.map((t) => t.numbers).join(' + '),
    compound: true,
  };
}

/** `a − b`. */
export function minus(a: Expr, b: Expr): Expr {
  if (b.ms === 0 && b.formula === ZERO.formula) return a;
  const right = wrap(b);
  return { ms: a.ms - b.ms, formula: `${a.formula} − ${right.formula}`, numbers: `${a.numbers} − ${right.numbers}`, compound: true };
}

/** `min(…)` / `max(…)` of terms, nested ones of the same kind flattened and repeated ones left out. */
function extremum(op: 'min' | 'max', terms: Expr[]): Expr {
  const flat = terms.flatMap((t) => (t.op === op && t.args ? t.args : [t]));
  const distinct = flat.filter((t, i) => flat.findIndex((u) => u.formula === t.formula && u.numbers === t.numbers && u.ms === t.ms) === i);
  if (distinct.length === 1) return distinct[0]!;
  const pick = op === 'min' ? Math.min : Math.max;
  return {
    ms: pick(...distinct.map((t) => t.ms)),
    formula: `${op}(${distinct.map((t) => t.formula).join(', ')})`,
    numbers: `${op}(${distinct.map((t) => t.numbers).join(', ')})`,
    op,
    args: distinct,
  };
}

/** The larger of the terms, as `max(a, b)`. */
export function maxOf(...terms: Expr[]): Expr {
  return extremum('max', terms);
}

/** The smaller of the terms, as `min(a, b)`. */
export function minOf(...terms: Expr[]): Expr {
  return extremum('min', terms);
}

/** The same value under a shorter name (a derived figure such as `masterDown(node-b)`), its derivation kept in `numbers`. */
export function named(name: string, e: Expr): Expr {
  return { ms: e.ms, formula: name, numbers: msText(e.ms) };
}

/** Clamps at zero (a window that cannot start before the fault). */
export function atLeastZero(e: Expr): Expr {
  return e.ms >= 0 ? e : { ...maxOf(ZERO, e) };
}

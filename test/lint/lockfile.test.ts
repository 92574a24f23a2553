import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockPackage {
  optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, LockPackage> };

describe('the committed lock file', () => {
  it("names every optional dependency of every package, for every platform (else `npm ci` calls it out of sync on a platform whose binary it lacks)", () => {
    const missing: string[] = [];
    for (const [path, pkg] of Object.entries(lock.packages)) {
      for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
        // npm resolves a dependency next to its dependent first, then up the tree
        const parts = path.split('node_modules/').filter(Boolean);
        const candidates = parts.map((_, i) => `node_modules/${[...parts.slice(0, parts.length - i).map((p) => p.replace(/\/$/, '')), ''].join('/node_modules/')}${name}`);
        candidates.push(`node_modules/${name}`);
        if (!candidates.some((c) => lock.packages[c] !== undefined)) missing.push(`${path || '(root)'} → ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

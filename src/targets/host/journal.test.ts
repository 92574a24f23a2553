import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, readJournal } from './journal.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('Journal', () => {
  it('creates a missing state root that every user can enter (it holds the halt file), the run folder for its owner alone', () => {
    const base = mkdtempSync(join(tmpdir(), 'fd-journal-'));
    made.push(base);
    const root = join(base, 'state');
    const journal = new Journal(join(root, 'run-1'));
    expect(statSync(root).mode & 0o777).toBe(0o755);
    expect(statSync(journal.dir).mode & 0o777).toBe(0o700);
    journal.write({ op: 'netns', name: 'fd-x-br' });
    expect(readJournal(journal.file)).toEqual([{ op: 'netns', name: 'fd-x-br' }]);
  });
});

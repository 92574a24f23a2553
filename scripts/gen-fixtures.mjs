#!/usr/bin/env node
// Regenerates test/fixtures/ from real runs of the shipped scenarios, so that no fixture is edited by
// hand and every fixture matches a seed:
//   result-full-stack.json  `faildrill run scenarios/full-stack.yaml` (its own seed), result.json as written
//   sweep-lb-strict.json    `faildrill sweep scenarios/lb-strict.yaml --seeds 1..20`, sweep.json as written:
//                           lb-failover.yaml with `expect.rto` tightened to "< 13s" so that some seeds fail
//                           and get shrunk (the sweep report and JUnit tests need failures to show)
// Run `npm run build` first. Usage: node scripts/gen-fixtures.mjs
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin/faildrill.js');
const fixtures = join(root, 'test/fixtures');
const STRICT_RTO = '< 13s';

if (!existsSync(join(root, 'dist'))) {
  console.error('gen-fixtures: run `npm run build` first');
  process.exit(2);
}

/** Runs faildrill; exit 0 (pass) and 1 (an expectation missed) are both results worth keeping. */
function faildrill(args, cwd) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) {
    console.error(`gen-fixtures: faildrill ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'faildrill-fixtures-'));
try {
  mkdirSync(fixtures, { recursive: true });

  faildrill(['run', 'scenarios/full-stack.yaml', '--reporter', 'json', '--out', join(work, 'full-stack'), '--no-history'], root);
  copyFileSync(join(work, 'full-stack/result.json'), join(fixtures, 'result-full-stack.json'));
  console.log('test/fixtures/result-full-stack.json  ← faildrill run scenarios/full-stack.yaml');

  const doc = parseDocument(readFileSync(join(root, 'scenarios/lb-failover.yaml'), 'utf8'));
  doc.setIn(['expect', 'rto'], STRICT_RTO);
  mkdirSync(join(work, 'scenarios'));
  writeFileSync(join(work, 'scenarios/lb-strict.yaml'), doc.toString());
  faildrill(['sweep', 'scenarios/lb-strict.yaml', '--seeds', '1..20', '--workers', '0', '--out', 'sweep'], work);
  copyFileSync(join(work, 'sweep/sweep.json'), join(fixtures, 'sweep-lb-strict.json'));
  console.log(`test/fixtures/sweep-lb-strict.json    ← faildrill sweep lb-failover.yaml with rto "${STRICT_RTO}", seeds 1..20`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

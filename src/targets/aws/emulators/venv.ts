import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Missing } from '../../../run/target.js';
import { EmulatorMissingError, SETUP_COMMAND, VenvInstallError } from './errors.js';
import { atLeast, findPython, formatVersion, probePython, type Python } from './python.js';

const run = promisify(execFile);

/** A pinned Python package in a virtualenv of its own. */
export interface VenvSpec {
  /** `moto` or `localstack`: the folder is `<name>-<version>`. */
  name: 'moto' | 'localstack';
  /** The distribution whose installed version decides whether the venv is current. */
  distribution: string;
  version: string;
  /** What `pip install` gets, pins included. */
  requirements: readonly string[];
  /** Lowest Python `[major, minor]` the package runs on. */
  minPython: [number, number];
  /** The flag of `faildrill setup aws` that installs it ('' when always installed). */
  setupFlag: string;
}

/** moto server 5.2.5 (design.md §8: Python 3.11 is fine). */
export const MOTO_VENV: VenvSpec = {
  name: 'moto',
  distribution: 'moto',
  version: '5.2.5',
  requirements: ['moto[server]==5.2.5'],
  minPython: [3, 11],
  setupFlag: '',
};

/**
 * LocalStack community in host mode (design.md §8) with the `runtime` extra (the gateway, hypercorn,
 * moto-ext; without it the runtime stops at `No module named 'rolo'`) and the pins 4.14.0 needs.
 * Python ≥ 3.13, not the 3.12 design.md §8 names: 4.14.0's `localstack/utils/tagging.py` imports
 * `warnings.deprecated` (new in 3.13), so on 3.12 Route 53 CreateHostedZone and SNS CreateTopic
 * fail with InternalError although the package declares `Requires-Python >=3.10`.
 */
export const LOCALSTACK_VENV: VenvSpec = {
  name: 'localstack',
  distribution: 'localstack-core',
  version: '4.14.0',
  requirements: ['localstack-core[runtime]==4.14.0', 'cbor2<6', 'pyopenssl<26', 'localstack-twisted<26'],
  minPython: [3, 13],
  setupFlag: ' --localstack',
};

/** The file in a venv that records the requirements it was last installed with. */
const REQUIREMENTS_FILE = 'faildrill-requirements.txt';
const VERSION_TIMEOUT_MS = 30_000;

/** `$FAILDRILL_CACHE/venvs`, else `~/.cache/faildrill/venvs`. */
export function venvRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.FAILDRILL_CACHE ? join(env.FAILDRILL_CACHE, 'venvs') : join(homedir(), '.cache', 'faildrill', 'venvs');
}

export function venvDir(spec: VenvSpec, env: NodeJS.ProcessEnv = process.env): string {
  return join(venvRoot(env), `${spec.name}-${spec.version}`);
}

export function venvPython(spec: VenvSpec, env: NodeJS.ProcessEnv = process.env): string {
  return join(venvDir(spec, env), 'bin', 'python');
}

/** What a venv holds now. */
export interface VenvStatus {
  dir: string;
  python: string;
  /** The distribution's installed version; undefined when the venv or the package is absent. */
  installed?: string;
  /** The interpreter's version when it runs. */
  pythonVersion?: string;
  /** The interpreter runs and is new enough for the package. */
  pythonOk: boolean;
  /** The installed version is the pin: the emulator can run. */
  usable: boolean;
  /** Usable and installed with exactly today's requirements: `setup` has nothing to do. */
  current: boolean;
}

function recordedRequirements(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, REQUIREMENTS_FILE), 'utf8');
  } catch {
    return undefined;
  }
}

const requirementsText = (spec: VenvSpec) => `${spec.requirements.join('\n')}\n`;

/** Inspects the venv of `spec` without changing it. */
export async function venvStatus(spec: VenvSpec, env: NodeJS.ProcessEnv = process.env): Promise<VenvStatus> {
  const dir = venvDir(spec, env);
  const python = venvPython(spec, env);
  if (!existsSync(python)) return { dir, python, pythonOk: false, usable: false, current: false };
  const interpreter = await probePython(python);
  let installed: string | undefined;
  try {
    const script = `import importlib.metadata as m; print(m.version(${JSON.stringify(spec.distribution)}))`;
    installed = (await run(python, ['-c', script], { timeout: VERSION_TIMEOUT_MS })).stdout.trim();
  } catch {
    installed = undefined;
  }
  const pythonOk = interpreter !== undefined && atLeast(interpreter.version, spec.minPython);
  const usable = pythonOk && installed === spec.version;
  return {
    dir,
    python,
    ...(installed ? { installed } : {}),
    ...(interpreter ? { pythonVersion: formatVersion(interpreter.version) } : {}),
    pythonOk,
    usable,
    current: usable && recordedRequirements(dir) === requirementsText(spec),
  };
}

/** Why a venv is not usable, in a few words. */
export function venvProblem(spec: VenvSpec, status: VenvStatus): string {
  if (!existsSync(status.python)) return 'no such virtualenv';
  if (!status.pythonVersion) return 'its Python does not run';
  if (!status.pythonOk) return `its Python is ${status.pythonVersion}, ${spec.distribution} needs ≥ ${formatVersion(spec.minPython)}`;
  if (status.installed) return `${spec.distribution} ${status.installed} installed instead of ${spec.version}`;
  return `${spec.distribution} is not installed`;
}

/** What the machine lacks for `spec`'s venv, as the runner's preflight reports it (exit 3). */
export function venvMissing(spec: VenvSpec, status: VenvStatus): Missing {
  return {
    name: `${spec.distribution} ${spec.version} virtualenv`,
    why: `${spec.name === 'moto' ? '--aws moto' : '--aws localstack'} (${status.dir}: ${venvProblem(spec, status)})`,
    install: `run \`${SETUP_COMMAND}${spec.setupFlag}\``,
  };
}

/** The venv's Python when the pinned version is installed; else an {@link EmulatorMissingError} naming `npx faildrill setup aws`. */
export async function requireVenv(spec: VenvSpec, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const status = await venvStatus(spec, env);
  if (!status.usable) throw new EmulatorMissingError([venvMissing(spec, status)]);
  return status.python;
}

/** What `ensureVenv` did. */
export interface VenvResult {
  name: VenvSpec['name'];
  distribution: string;
  version: string;
  dir: string;
  python: string;
  pythonVersion: string;
  /** `present`: nothing to do; `created`: new venv; `updated`: an existing venv got today's requirements. */
  action: 'present' | 'created' | 'updated';
}

export interface EnsureOptions {
  env?: NodeJS.ProcessEnv;
  /** Every line pip and venv print. */
  onLine?: (line: string) => void;
}

function streamed(command: string, args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        onLine(line);
      });
    }
    child.on('error', (error) => reject(new VenvInstallError(`cannot run ${command}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new VenvInstallError(`\`${[command, ...args].join(' ')}\` failed (${code ?? signal}):\n${tail.join('\n')}`));
    });
  });
}

/** The interpreter a new venv for `spec` is made from; an {@link EmulatorMissingError} when none is new enough. */
export async function basePython(spec: VenvSpec, env: NodeJS.ProcessEnv = process.env): Promise<Python> {
  const found = await findPython({ min: spec.minPython, ...(env.PATH !== undefined ? { path: env.PATH } : {}), home: env.HOME ?? homedir() });
  if (found) return found;
  const min = formatVersion(spec.minPython);
  throw new EmulatorMissingError([
    {
      name: `Python ≥ ${min}`,
      why: `${spec.distribution} ${spec.version} (looked for python3.N on PATH and ~/.pyenv/versions/3.N.*)`,
      install: `install Python ${min} or newer (e.g. \`pyenv install ${min}\`, or \`apt-get install python3\` where it is ${min}+), then run \`${SETUP_COMMAND}${spec.setupFlag}\``,
    },
  ]);
}

/**
 * Makes the venv of `spec` current: creates it from PyPI when absent, reinstalls the requirements when
 * the pinned version or the recorded requirements differ, and does nothing when it is current.
 */
export async function ensureVenv(spec: VenvSpec, options: EnsureOptions = {}): Promise<VenvResult> {
  const env = options.env ?? process.env;
  const onLine = options.onLine ?? (() => undefined);
  const before = await venvStatus(spec, env);
  const base = { name: spec.name, distribution: spec.distribution, version: spec.version, dir: before.dir, python: before.python };
  if (before.current && before.pythonVersion) return { ...base, pythonVersion: before.pythonVersion, action: 'present' };
  const exists = before.pythonOk;
  if (!exists) {
    const interpreter = await basePython(spec, env);
    mkdirSync(venvRoot(env), { recursive: true });
    await streamed(interpreter.path, ['-m', 'venv', '--clear', before.dir], onLine);
  }
  await streamed(before.python, ['-m', 'pip', 'install', '--disable-pip-version-check', ...spec.requirements], onLine);
  const after = await venvStatus(spec, env);
  if (!after.usable || !after.pythonVersion) {
    throw new EmulatorMissingError([venvMissing(spec, after)]);
  }
  writeFileSync(join(after.dir, REQUIREMENTS_FILE), requirementsText(spec));
  return { ...base, pythonVersion: after.pythonVersion, action: exists ? 'updated' : 'created' };
}

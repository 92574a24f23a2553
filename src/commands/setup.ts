import type { Command } from 'commander';
import { ExitCode, UsageError } from '../errors.js';
import { LOCALSTACK_VENV, MOTO_VENV, ensureVenv, venvProblem, venvStatus, type VenvResult, type VenvSpec } from '../targets/aws/emulators/venv.js';

interface SetupOptions {
  localstack?: boolean;
  json?: boolean;
}

const ACTION_TEXT: Record<VenvResult['action'], string> = {
  present: 'already installed, nothing to do',
  created: 'created',
  updated: 'updated to the pinned requirements',
};

const label = (spec: VenvSpec) => `${spec.distribution} ${spec.version}`;

async function setupAws(options: SetupOptions): Promise<number> {
  const wanted = options.localstack ? [MOTO_VENV, LOCALSTACK_VENV] : [MOTO_VENV];
  const results: VenvResult[] = [];
  for (const spec of wanted) {
    if (!options.json) process.stdout.write(`setup aws: ${label(spec)} (${spec.requirements.join(' ')})…\n`);
    const onLine = options.json ? undefined : (line: string) => process.stderr.write(`  | ${line}\n`);
    const result = await ensureVenv(spec, onLine ? { onLine } : {});
    results.push(result);
    if (!options.json) process.stdout.write(`setup aws: ${label(spec)}: ${ACTION_TEXT[result.action]} in ${result.dir} (Python ${result.pythonVersion})\n`);
  }
  const skipped = options.localstack ? undefined : await venvStatus(LOCALSTACK_VENV);
  if (options.json) {
    const localstack = skipped ? { localstack: { requested: false, installed: skipped.usable, dir: skipped.dir } } : {};
    process.stdout.write(`${JSON.stringify({ venvs: results, ...localstack }, null, 2)}\n`);
  } else if (skipped) {
    const state = skipped.usable ? `installed in ${skipped.dir}` : `not usable (${skipped.dir}: ${venvProblem(LOCALSTACK_VENV, skipped)})`;
    process.stdout.write(`setup aws: ${label(LOCALSTACK_VENV)}: ${state}; \`faildrill setup aws --localstack\` installs or updates it for --aws localstack\n`);
  }
  return ExitCode.pass;
}

/** `faildrill setup aws`: creates or updates the pinned emulator virtualenvs (moto; LocalStack with --localstack). Idempotent. */
export function registerSetup(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('setup')
    .description('install what a target needs on this machine: `setup aws` creates the pinned moto (and LocalStack) virtualenvs from PyPI')
    .argument('<target>', 'the target to set up: aws')
    .option('--localstack', 'also LocalStack (localstack-core, host mode; needs Python ≥ 3.13)')
    .option('--json', 'print what was done as JSON (pip output is not shown)')
    .addHelpText('after', '\nVirtualenvs live in $FAILDRILL_CACHE/venvs, else ~/.cache/faildrill/venvs, named by package and pin (moto-5.2.5).')
    .action(async (target: string, options: SetupOptions) => {
      if (target !== 'aws') throw new UsageError(`setup: unknown target '${target}': only 'aws' needs setting up (its emulators)`);
      setExit(await setupAws(options));
    });
}

import { Command, CommanderError } from 'commander';
import { registerCalibrate } from './commands/calibrate.js';
import { registerCleanup } from './commands/cleanup.js';
import { registerExplain } from './commands/explain.js';
import { registerExport } from './commands/export.js';
import { registerHistory } from './commands/history.js';
import { registerFaults } from './commands/faults.js';
import { registerHalt } from './commands/halt.js';
import { registerList } from './commands/list.js';
import { registerReport } from './commands/report.js';
import { EXIT_CODES_HELP } from './commands/exit-codes.js';
import { registerRun } from './commands/run.js';
import { registerSetup } from './commands/setup.js';
import { registerSweep } from './commands/sweep.js';
import { registerValidate } from './commands/validate.js';
import { ExitCode, FaildrillError } from './errors.js';
import { version } from './run/version.js';

/** Each command registers itself; one line per command here. */
const COMMANDS = [registerRun, registerValidate, registerExplain, registerList, registerSweep, registerCalibrate, registerExport, registerReport, registerHistory, registerCleanup, registerFaults, registerSetup, registerHalt];

function program(setExit: (code: number) => void): Command {
  const cli = new Command('faildrill')
    .description('Chaos and failover drills: inject faults, let the controller fail over, measure what clients saw.')
    .version(version, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);
  for (const register of COMMANDS) register(cli, setExit);
  return cli;
}

/**
 * Keeps a closed or failing stdout/stderr from ending the process or changing its exit code: a reader
 * that went away (`faildrill run … | head`: EPIPE) or a full disk (ENOSPC) only stops that output. The
 * run goes on, writes its files and exits with its verdict; nothing prints a stack trace.
 */
export function guardOutputStreams(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) stream.on('error', () => {});
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.pass;
  try {
    await program((code) => (exitCode = code)).parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      const done = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
      return done ? ExitCode.pass : ExitCode.invalidInput;
    }
    if (err instanceof FaildrillError) {
      process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`faildrill: internal error: ${(err as Error).message}\n`);
    if (process.env.FAILDRILL_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return ExitCode.internal;
  }
}

import type { Command } from 'commander';
import { EnvironmentError, ExitCode } from '../errors.js';
import { describeHalt, HALT_POLL_MS } from '../run/abort/halt.js';
import { HALT_ENV, haltFile, readHalt, releaseHalt, setHalt } from '../run/abort/halt-file.js';

interface HaltOptions {
  release?: boolean;
  reason?: string;
  status?: boolean;
}

/** A file-system refusal (permission, read-only) as exit 3, naming the file. */
function environment(err: unknown, what: string): EnvironmentError {
  const e = err as NodeJS.ErrnoException;
  return new EnvironmentError(`faildrill halt: cannot ${what} ${e.path ?? haltFile()}: ${e.code ?? e.message}${e.code === 'EACCES' ? ' (the kill switch is machine-wide: run as root, or point FAILDRILL_HALT_FILE elsewhere)' : ''}`);
}

function halt(options: HaltOptions): number {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (options.status) {
    const state = readHalt();
    out(state ? `halted: ${describeHalt(state)}` : `not halted (${haltFile()} absent, ${HALT_ENV} unset)`);
    return ExitCode.pass;
  }
  if (options.release) {
    let was: boolean;
    try {
      was = releaseHalt();
    } catch (err) {
      throw environment(err, 'remove');
    }
    out(was ? `released: ${haltFile()} removed; drills may start again` : `not halted: ${haltFile()} was absent`);
    const still = readHalt();
    if (still) out(`still halted by ${describeHalt(still)}: unset ${HALT_ENV} where it is set`);
    return ExitCode.pass;
  }
  let written;
  try {
    written = setHalt(options.reason?.trim() || 'no reason given');
  } catch (err) {
    throw environment(err, 'write');
  }
  out(`halted: ${describeHalt(written.state)}`);
  out(`every running drill on this machine undoes its faults within 1 s (it looks every ${HALT_POLL_MS} ms) and stops, verdict halted (exit 5);`);
  out(`no drill starts (exit 6) until 'faildrill halt --release'`);
  return ExitCode.pass;
}

/** `faildrill halt [--release] [--reason text] [--status]`: the machine-wide kill switch. */
export function registerHalt(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('halt')
    .description(`kill switch: every running drill on this machine undoes its faults within 1 s and stops; no run starts until --release (file ${haltFile()}, or ${HALT_ENV}=1)`)
    .option('--reason <text>', 'why, shown by every drill it stops and every run it refuses')
    .option('--release', 'lift the halt: drills may start again')
    .option('--status', 'say whether drills are halted, and by what')
    .action((options: HaltOptions) => setExit(halt(options)));
}

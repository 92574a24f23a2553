import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { stateRoot } from '../../targets/host/journal.js';
import { HALT_POLL_MS, type HaltState, type HaltSwitch } from './halt.js';

/** Environment variable naming the halt file (default: `halt` under the host target's state root). */
export const HALT_FILE_ENV = 'FAILDRILL_HALT_FILE';
/** Environment variable that halts every drill started with it (`FAILDRILL_HALT=1`). */
export const HALT_ENV = 'FAILDRILL_HALT';

/** The machine-wide halt file: `$FAILDRILL_HALT_FILE`, else `<state root>/halt` (`/run/faildrill/halt`). */
export function haltFile(env: NodeJS.ProcessEnv = process.env): string {
  return env[HALT_FILE_ENV] || join(stateRoot(), 'halt');
}

const envHalts = (env: NodeJS.ProcessEnv) => /^(1|true|yes|on)$/i.test(env[HALT_ENV]?.trim() ?? '');

/** The halt now: `FAILDRILL_HALT=1` in the environment, or the halt file (any content; JSON gives the reason). */
export function readHalt(env: NodeJS.ProcessEnv = process.env): HaltState | undefined {
  if (envHalts(env)) return { reason: `${HALT_ENV}=${env[HALT_ENV]!.trim()} in the environment`, source: HALT_ENV };
  const file = haltFile(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // a halt file that cannot be read is still a halt: only its absence lets drills run
    return code === 'ENOENT' ? undefined : { reason: `unreadable halt file (${code ?? 'error'})`, source: file };
  }
  try {
    const parsed = JSON.parse(text) as Partial<HaltState>;
    return {
      reason: typeof parsed.reason === 'string' ? parsed.reason : 'no reason given',
      ...(typeof parsed.since === 'string' ? { since: parsed.since } : {}),
      ...(typeof parsed.by === 'string' ? { by: parsed.by } : {}),
      source: file,
    };
  } catch {
    return { reason: text.trim().slice(0, 200) || 'no reason given', source: file };
  }
}

/** Sets the halt: writes the halt file whole (a temporary file renamed into place), so no reader sees half of it. */
export function setHalt(reason: string, env: NodeJS.ProcessEnv = process.env): { file: string; state: HaltState } {
  const file = haltFile(env);
  makeFolders(dirname(file));
  const state: HaltState = { reason, since: new Date().toISOString(), by: `${userName()}@${hostname()} pid ${process.pid}`, source: file };
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ reason: state.reason, since: state.since, by: state.by })}\n`, { mode: 0o644 });
  renameSync(temporary, file);
  return { file, state };
}

/** Lifts the halt file; true when there was one. */
export function releaseHalt(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = haltFile(env);
  const was = existsSync(file);
  rmSync(file, { force: true });
  return was;
}

/**
 * Creates `dir` and its missing parents one level at a time: Node's recursive mkdir retries forever
 * where a parent cannot take folders (under /proc it spins at 100 % CPU); one level at a time fails.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) mkdirSync(d, { mode: 0o755 });
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

/**
 * The kill switch of this machine: the halt file and `FAILDRILL_HALT`. A drill watches the file's
 * folder (fs.watch) and polls every {@link HALT_POLL_MS} besides, since a watch can miss events
 * (network file systems, a folder created later).
 */
export function fileHaltSwitch(env: NodeJS.ProcessEnv = process.env): HaltSwitch {
  return {
    state: () => readHalt(env),
    watch(onHalt) {
      let done = false;
      let watcher: FSWatcher | undefined;
      const stop = () => {
        done = true;
        clearInterval(poll);
        watcher?.close();
      };
      const look = () => {
        if (done) return;
        const state = readHalt(env);
        if (!state) return;
        stop();
        onHalt(state);
      };
      const poll = setInterval(look, HALT_POLL_MS);
      poll.unref();
      const file = haltFile(env);
      try {
        watcher = watch(dirname(file), { persistent: false }, (_type, name) => {
          if (name === null || name === basename(file)) look();
        });
        watcher.on('error', () => watcher?.close());
      } catch {
        // no folder yet: the poll sees the halt
      }
      return stop;
    },
  };
}

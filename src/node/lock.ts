import { linkSync, lstatSync, renameSync, type Stats, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { FlareError } from "../core/errors/flare-error.ts";
import {
  discard,
  makeDirs,
  type RecoveryReport,
  recoverStale,
  tempSibling,
  writeNewFile,
} from "./atomic-write.ts";
import { errnoCode, notWritable } from "./fs-errors.ts";
import { tryReadFile } from "./read-input.ts";
import { thisWriter, type Writer, writerAlive } from "./writer-id.ts";

/**
 * Output locks: a check and the write it allows are one step. `package` holds the lock of its
 * `prod_NN` folder from the one-root check to the kit's rename; `cert approve` holds the lock
 * of its signed zip while it writes the zip and then the audit record. The lock of `X` is the
 * file `.X.flare-lock` beside it, created by an atomic exclusive `link` of a complete temp file
 * (so it is never seen half-written) holding its writer (host, pid, start time). A lock whose
 * writer is a process of this host and this user that no longer runs is stale and broken; any
 * other is waited for, and after {@link LOCK_WAIT_MS} the command fails with `OUTPUT_LOCKED`
 * naming the lock file (docs/security.md "Running commands at once").
 */

/** How long a command waits for another one's lock before giving up. */
export const LOCK_WAIT_MS = 30_000;

/** A lock held by this process. */
export interface HeldLock {
  /** The lock file. */
  path: string;
  /** Folders created to hold it, outermost first (removed again by a caller that fails). */
  created: string[];
  /** Removes the lock file if it is still ours. Never throws. */
  release(): void;
}

/** The lock file of `target`: `.<name>.flare-lock` in the same folder. */
export function lockPathOf(target: string): string {
  return join(dirname(target), `.${basename(target)}.flare-lock`);
}

function lockBytes(writer: Writer): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify({ flare_lock: 1, writer })}\n`);
}

/** The writer an existing lock file names, if it is exactly a lock of ours. */
function readLock(path: string): { stat: Stats; writer: Writer | undefined } | undefined {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch {
    return undefined;
  }
  if (!stat.isFile()) return { stat, writer: undefined };
  const read = tryReadFile(path, 4096);
  if (!read.ok) return { stat, writer: undefined };
  try {
    const value = JSON.parse(new TextDecoder().decode(read.bytes));
    const w = value?.writer;
    const exact =
      Object.keys(value).length === 2 &&
      value.flare_lock === 1 &&
      typeof w === "object" &&
      w !== null &&
      Object.keys(w).length === 3 &&
      typeof w.host === "string" &&
      Number.isSafeInteger(w.pid) &&
      typeof w.started === "string" &&
      /^\d{1,20}$/.test(w.started);
    return { stat, writer: exact ? (w as Writer) : undefined };
  } catch {
    return { stat, writer: undefined };
  }
}

/** True when the lock was left by a process of this user on this host that no longer runs. */
function isStale(lock: { stat: Stats; writer: Writer | undefined }): boolean {
  const { stat, writer } = lock;
  const me = typeof process.geteuid === "function" ? process.geteuid() : undefined;
  if (!writer || (me !== undefined && stat.uid !== me) || stat.nlink !== 1) return false;
  return writer.host === thisWriter().host && !writerAlive(writer.pid, writer.started);
}

/**
 * Removes a stale lock without ever removing a fresh one: it is renamed aside first, and put
 * back when what was renamed is not the file judged stale (another process broke it and took
 * the lock in between).
 */
function breakStale(path: string, stale: Stats): void {
  const aside = tempSibling(path);
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  try {
    const moved = lstatSync(aside);
    if (moved.ino !== stale.ino || moved.dev !== stale.dev) linkSync(aside, path);
  } catch {
    // Someone else holds it now (EEXIST): theirs stays.
  }
  discard(aside);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the lock of `target`, creating its folder (and missing ancestors, `dirMode`) if needed.
 * Waits while another command holds it; a stale one is broken. Throws `OUTPUT_LOCKED` after
 * {@link LOCK_WAIT_MS}, `OUTPUT_DIR_NOT_WRITABLE` when the lock cannot be created at all.
 */
export async function acquireLock(
  target: string,
  options: { dirMode: number; report?: RecoveryReport; waitMs?: number },
): Promise<HeldLock> {
  const path = lockPathOf(target);
  const dir = dirname(path);
  const created: string[] = [];
  const deadline = Date.now() + (options.waitMs ?? LOCK_WAIT_MS);
  let pause = 10;
  for (;;) {
    let mine: Stats | undefined;
    const temp = tempSibling(path);
    try {
      // Another command may have removed a folder it made between two attempts: make it again.
      created.push(...makeDirs(dir, options.dirMode));
      recoverStale(dir, options.report);
      writeNewFile(temp, lockBytes(thisWriter()), 0o644);
      linkSync(temp, path);
      mine = lstatSync(path);
    } catch (error) {
      const code = errnoCode(error);
      if (code !== "EEXIST" && code !== "ENOENT") {
        discard(temp);
        throw notWritable(dir, error);
      }
    }
    discard(temp);
    if (mine) {
      const ino = mine.ino;
      return {
        path,
        created,
        release: () => {
          try {
            if (lstatSync(path).ino === ino) unlinkSync(path);
          } catch {
            // Already gone.
          }
        },
      };
    }
    const held = readLock(path);
    if (held && isStale(held)) {
      breakStale(path, held.stat);
      continue;
    }
    if (Date.now() >= deadline) throw lockedError(target, path, held?.writer);
    await sleep(pause);
    pause = Math.min(pause * 2, 200);
  }
}

function lockedError(target: string, path: string, writer: Writer | undefined): FlareError {
  const holder = writer
    ? `held by pid ${writer.pid} on host '${writer.host}'`
    : "held (its content is not a lock of this program)";
  return new FlareError("OUTPUT_LOCKED", {
    message: `Another command is writing ${target}: ${path} is ${holder}.`,
    hint: `Wait for it to finish and run the command again; if no command is running, remove ${path}.`,
  });
}

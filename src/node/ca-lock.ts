/**
 * The CA folder's lock: every command that appends to the issuance ledger (approve, revoke)
 * holds it from reading the ledger's tip to committing the new entry, so two approvals can
 * never both chain to the same entry. It is the output lock of `ledger.jsonl` (lock.ts), with
 * the same rules as every other lock: a lock of a process of this host and user that no longer
 * runs is broken, any other one waited for (docs/security.md "Running commands at once").
 */
import { join } from "node:path";
import { isFlareError } from "../core/errors/flare-error.ts";
import { LEDGER_FILE } from "../core/ledger/entry.ts";
import { acquireLock, type HeldLock, lockPathOf } from "./lock.ts";
import { isDirectory } from "./read-input.ts";

/** The lock file, relative to the CA folder. */
export const CA_LOCK_FILE = lockPathOf(LEDGER_FILE);

/** How long a command waits for another one's lock before giving up (OUTPUT_LOCKED). */
const WAIT_MS = 120_000;

/** Options of {@link withCaLock}. */
export interface CaLockOptions {
  /** A reader: when the folder cannot be written (read-only copy), run without the lock. */
  readOnly?: boolean;
}

/** Runs `body` while holding the lock of `caDir`; waits for a live holder, breaks a dead one's. */
export async function withCaLock<T>(
  caDir: string,
  body: () => Promise<T>,
  options: CaLockOptions = {},
): Promise<T> {
  // Nothing to lock in a folder that is not there; the body reports the missing CA itself
  // (the lock must not create the folder).
  if (!isDirectory(caDir)) return body();
  let lock: HeldLock;
  try {
    lock = await acquireLock(join(caDir, LEDGER_FILE), { dirMode: 0o700, waitMs: WAIT_MS });
  } catch (error) {
    if (options.readOnly && isFlareError(error) && error.code === "OUTPUT_DIR_NOT_WRITABLE") return body();
    throw error;
  }
  try {
    return await body();
  } finally {
    lock.release();
  }
}

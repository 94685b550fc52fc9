/**
 * The issuance ledger on disk (docs/security.md, "The issuance ledger"): reading it, and
 * committing an approval's signed zip together with its ledger entry although the two live
 * in different folders.
 *
 * An approval commit: (1) the signed zip is staged as a temp beside its target; (2) a marker
 * `.flare-txn-ledger-<host>-<pid>-<start>-<hex>.json` in the CA folder records the target, the temp's inode
 * and the ledger's length and head before; (3) the new ledger and head are committed into the
 * CA folder (commitFiles, itself atomic); (4) the zip is linked (renamed with --force) into
 * place; (5) the marker is deleted. A marker of a process of this host that no longer runs,
 * owned by this user, is resolved by the next command that holds the CA lock (the same trust
 * rules as every other recovery, docs/security.md "What recovery trusts"): when the target is the staged inode, step 4
 * happened and the commit stands; otherwise the ledger is cut back to its recorded state.
 * Either way the signed zip and its entry exist both or neither.
 */
import { randomBytes } from "node:crypto";
import { linkSync, lstatSync, readdirSync, renameSync, statSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fromUtf8, utf8 } from "../core/bytes/encoding.ts";
import type { CoreDeps } from "../core/deps.ts";
import { FlareError } from "../core/errors/flare-error.ts";
import type { LedgerAppend } from "../core/ledger/append.ts";
import { LEDGER_FILE, LEDGER_HEAD_FILE } from "../core/ledger/entry.ts";
import { type LedgerState, readLedger } from "../core/ledger/verify-ledger.ts";
import {
  commitFiles,
  discard,
  ownedByMe,
  type PlannedFile,
  parseTempName,
  recoverStale,
  syncDir,
  tempSibling,
  writeNewFile,
} from "./atomic-write.ts";
import { errnoCode, notWritable } from "./fs-errors.ts";
import { MAX_INPUT_BYTES, tryReadFile } from "./read-input.ts";
import { sameHost, WRITER_TOKEN, writerAlive, writerToken } from "./writer-id.ts";

/** Modes of the ledger files: public facts, like rootCA.pem. */
const LEDGER_MODE = 0o644;
const MARKER = new RegExp(`^\\.flare-txn-ledger-${WRITER_TOKEN}-[0-9a-f]{12}\\.json$`);

/** The ledger's raw bytes; `undefined` = file absent. */
export interface LedgerFiles {
  ledger: Uint8Array | undefined;
  head: Uint8Array | undefined;
}

function readOptional(path: string): Uint8Array | undefined {
  const read = tryReadFile(path, MAX_INPUT_BYTES);
  if (read.ok) return read.bytes;
  if (read.reason === "missing") return undefined;
  throw new FlareError("CA_LOAD_FAILED", { message: `Cannot read ${path}.`, detail: read.detail });
}

/** Reads `ledger.jsonl` and `ledger.head.json` of `caDir`. */
export function readLedgerFiles(caDir: string): LedgerFiles {
  return {
    ledger: readOptional(join(caDir, LEDGER_FILE)),
    head: readOptional(join(caDir, LEDGER_HEAD_FILE)),
  };
}

/** Reads and verifies the ledger of `caDir` against the root's key. */
export async function loadLedger(
  caDir: string,
  rootSpki: Uint8Array,
  deps: Pick<CoreDeps, "crypto">,
): Promise<{ files: LedgerFiles; state: LedgerState }> {
  const files = readLedgerFiles(caDir);
  return { files, state: await readLedger(files.ledger, files.head, rootSpki, deps) };
}

/** What a marker records. */
interface Marker {
  zip_target: string;
  zip_temp: string;
  dev: number;
  ino: number;
  /** Ledger bytes before the commit; null = there was no ledger. */
  ledger_length: number | null;
  head_before: string | null;
}

function readMarker(path: string): Marker | undefined {
  const read = tryReadFile(path, 64 * 1024);
  if (!read.ok) return undefined;
  try {
    const m = JSON.parse(fromUtf8(read.bytes)) as Marker;
    const ok =
      typeof m.zip_target === "string" &&
      typeof m.zip_temp === "string" &&
      parseTempName(m.zip_temp)?.tag === "tmp" &&
      // The temp is the target's own sibling: nothing else is ever removed through a marker.
      parseTempName(m.zip_temp)?.base === basename(m.zip_target) &&
      !m.zip_temp.includes("/") &&
      Number.isSafeInteger(m.dev) &&
      Number.isSafeInteger(m.ino) &&
      (m.ledger_length === null || Number.isSafeInteger(m.ledger_length)) &&
      (m.head_before === null || typeof m.head_before === "string");
    return ok ? m : undefined;
  } catch {
    return undefined;
  }
}

/** A regular file (not a link) of the effective uid: what this user's commands write. */
function ownRegularFile(path: string): boolean {
  try {
    const stat = lstatSync(path);
    return stat.isFile() && ownedByMe(stat);
  } catch {
    return false;
  }
}

function sameInode(path: string, dev: number, ino: number): boolean {
  try {
    const stat = statSync(path);
    return stat.dev === dev && stat.ino === ino;
  } catch {
    return false;
  }
}

/** Puts the ledger of `caDir` back to its length and head before an unfinished commit. */
function restoreLedger(caDir: string, marker: Pick<Marker, "ledger_length" | "head_before">): void {
  const ledgerPath = join(caDir, LEDGER_FILE);
  if (marker.ledger_length === null || marker.head_before === null) {
    // The commit started the ledger: the head goes first, so a reader never sees a head alone.
    discard(join(caDir, LEDGER_HEAD_FILE));
    discard(ledgerPath);
    return;
  }
  const files = readLedgerFiles(caDir);
  const current = files.ledger ?? new Uint8Array();
  const head = utf8(marker.head_before);
  const unchanged =
    current.length === marker.ledger_length &&
    files.head !== undefined &&
    fromUtf8(files.head) === marker.head_before;
  if (unchanged) return;
  commitFiles(caDir, [
    { name: LEDGER_FILE, bytes: current.subarray(0, marker.ledger_length), mode: LEDGER_MODE },
    { name: LEDGER_HEAD_FILE, bytes: head, mode: LEDGER_MODE },
  ]);
}

/**
 * Resolves the approval commits of processes that no longer run (see the file comment), after
 * {@link recoverStale} has undone their half-done commitFiles. Call it holding the CA lock.
 */
export function recoverLedger(caDir: string): void {
  recoverStale(caDir);
  let names: string[];
  try {
    names = readdirSync(caDir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = MARKER.exec(name);
    // Only a dead writer of this host can be judged; another host's marker may be live.
    if (!match || !sameHost(match[1] as string) || writerAlive(Number(match[2]), match[3] as string))
      continue;
    const path = join(caDir, name);
    if (!ownRegularFile(path)) continue;
    const marker = readMarker(path);
    if (marker) {
      if (!sameInode(marker.zip_target, marker.dev, marker.ino)) restoreLedger(caDir, marker);
      discard(join(dirname(marker.zip_target), marker.zip_temp));
    }
    // A marker that does not parse was torn before it was complete, so before step 3.
    discard(path);
  }
  syncDir(caDir);
}

/** The signed zip of an approval commit. */
export interface ZipOutput {
  path: string;
  bytes: Uint8Array;
  /** Refuse to replace an existing file (no --force). */
  exclusive: boolean;
  existsError: (path: string) => FlareError;
}

/** The two ledger files of an append, in commit order (the head last: it marks completion). */
export function ledgerFilesOf(append: LedgerAppend): PlannedFile[] {
  return [
    { name: LEDGER_FILE, bytes: append.ledger, mode: LEDGER_MODE },
    { name: LEDGER_HEAD_FILE, bytes: append.head, mode: LEDGER_MODE },
  ];
}

/**
 * Commits a signed zip and the ledger append of its approval, both or neither (see the file
 * comment). `before` is the ledger as read under the lock. Hold the CA lock.
 */
export function commitApproval(
  caDir: string,
  before: LedgerFiles,
  append: LedgerAppend,
  zip: ZipOutput,
): void {
  const zipDir = dirname(zip.path);
  const temp = tempSibling(zip.path);
  const markerPath = join(caDir, `.flare-txn-ledger-${writerToken()}-${randomBytes(6).toString("hex")}.json`);
  const marker: Omit<Marker, "dev" | "ino"> = {
    zip_target: zip.path,
    zip_temp: basename(temp),
    ledger_length: before.ledger === undefined ? null : before.ledger.length,
    head_before: before.head === undefined ? null : fromUtf8(before.head),
  };
  let staged: { dev: number; ino: number } | undefined;
  let ledgerCommitted = false;
  try {
    writeNewFile(temp, zip.bytes, 0o600);
    const stat = statSync(temp);
    staged = { dev: stat.dev, ino: stat.ino };
    writeNewFile(markerPath, utf8(JSON.stringify({ ...marker, ...staged })), 0o600);
    syncDir(caDir);
    commitFiles(caDir, ledgerFilesOf(append));
    ledgerCommitted = true;
    if (zip.exclusive) {
      try {
        linkSync(temp, zip.path);
      } catch (error) {
        if (errnoCode(error) === "EEXIST") throw zip.existsError(zip.path);
        throw error;
      }
      unlinkSync(temp);
    } else {
      renameSync(temp, zip.path);
    }
    syncDir(zipDir);
    unlinkSync(markerPath);
    syncDir(caDir);
  } catch (error) {
    if (staged && sameInode(zip.path, staged.dev, staged.ino)) {
      // The zip is in place, so is its entry: the commit stands; only tidying failed.
      discard(temp);
      discard(markerPath);
      return;
    }
    if (ledgerCommitted) {
      try {
        restoreLedger(caDir, marker);
      } catch {
        // The marker stays: the next command under the lock finishes the rollback.
        discard(temp);
        throw notWritable(zipDir, error);
      }
    }
    discard(temp);
    discard(markerPath);
    throw notWritable(zipDir, error);
  }
}

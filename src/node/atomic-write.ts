/**
 * Crash-safe writes. Every output is first written under a hidden temp name beside its
 * destination and then renamed into place, so a reader (or a re-run) sees the old state or the
 * complete new one, even if the process is killed at any instant.
 *
 * Names of our temporaries carry the writer's pid: `.<name>.<tag>-<pid>-<12 hex>` (tag `tmp`
 * for data being written, `bak` for a hard-link backup of a file being replaced, `old` for a
 * folder moved aside) and `.flare-txn-<pid>-<12 hex>.json` for the journal of a multi-file
 * commit. {@link recoverStale} recognizes exactly these names and undoes or removes those left
 * by a process that no longer runs; every write into a folder calls it first (docs/security.md).
 */
import { randomBytes } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { FlareError } from "../core/errors/flare-error.ts";
import { errnoCode, notWritable } from "./fs-errors.ts";
import { tryReadFile } from "./read-input.ts";

/** A file to write: a name inside the target directory, its bytes and exact mode. */
export interface PlannedFile {
  name: string;
  bytes: Uint8Array;
  mode: number;
  /** Refuse to replace an existing file (keys, zips without --force). */
  exclusive?: boolean;
}

/** What a temp sibling is for: data being written, a backup of a replaced file, a folder moved aside. */
export type TempTag = "tmp" | "bak" | "old";

const { O_CREAT, O_EXCL, O_WRONLY, O_NOFOLLOW } = constants;
const TEMP_NAME = /^\.(.+)\.(tmp|bak|old)-(\d+)-[0-9a-f]{12}$/s;
const JOURNAL_NAME = /^\.flare-txn-(\d+)-[0-9a-f]{12}\.json$/;

function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(6).toString("hex")}`;
}

/** A hidden, unique temp name beside `path` that {@link recoverStale} can recognize. */
export function tempSibling(path: string, tag: TempTag = "tmp"): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${uniqueSuffix()}`);
}

/** The parts of one of our temp names, or `undefined` for any other name. */
export function parseTempName(name: string): { base: string; tag: TempTag; pid: number } | undefined {
  const match = TEMP_NAME.exec(name);
  if (!match) return undefined;
  return { base: match[1] as string, tag: match[2] as TempTag, pid: Number(match[3]) };
}

/** True while a process with this pid exists (ours always counts as alive). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return errnoCode(error) === "EPERM";
  }
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = lstatSync(a);
    const y = lstatSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * Creates `path` exclusively with `mode` set at open time and again with fchmod (so umask
 * cannot widen or narrow it), writes and fsyncs. A key is never readable by others, not even
 * for an instant (artifacts.md §13: O_EXCL, O_NOFOLLOW).
 */
export function writeNewFile(path: string, bytes: Uint8Array, mode: number): void {
  const fd = openSync(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, mode);
  try {
    fchmodSync(fd, mode);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsyncs a directory so a rename inside it survives a crash; best effort where unsupported. */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Creates `path` and any missing ancestors with `mode` (umask applies) and returns the
 * directories it created, outermost first, so a failure can remove exactly those again.
 */
export function makeDirs(path: string, mode: number): string[] {
  const missing: string[] = [];
  for (let dir = path; !lexists(dir); dir = dirname(dir)) {
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  const created: string[] = [];
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode });
      created.push(dir);
    } catch (error) {
      // Created concurrently by someone else: theirs, not ours to remove later.
      if (errnoCode(error) !== "EEXIST") throw error;
    }
  }
  return created;
}

/**
 * Removes a file or folder tree, best effort: cleanup must never turn a success into a failure
 * or hide the error being reported. What it cannot remove, {@link recoverStale} retries later.
 */
export function discard(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // Left for the next recoverStale.
  }
}

/** Removes directories made by {@link makeDirs}, innermost first, only while they are empty. */
export function removeDirs(created: readonly string[]): void {
  for (const dir of [...created].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // Not empty (someone else wrote there) or already gone: leave it.
    }
  }
}

/**
 * Checks, before any work, that `dir` could be written: it (or, when missing, its nearest
 * existing ancestor) must be a folder we may write into. Throws `OUTPUT_DIR_NOT_WRITABLE`
 * naming `dir` and the reason (validation.md §4.1 row 7, §4.2 row 16, §4.3 row 34). The write
 * itself still reports what this cannot foresee (a full disk).
 */
export function checkWritableDir(dir: string): void {
  let existing = dir;
  while (!lexists(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    if (!statSync(existing).isDirectory()) {
      throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    }
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw notWritable(dir, error);
  }
}

/** Hard-links `from` to `to`, or copies it (same mode) where the file system has no hard links. */
function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (error) {
    const code = errnoCode(error);
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV" && code !== "EMLINK" && code !== "ENOSYS")
      throw error;
    copyFileSync(from, to, constants.COPYFILE_EXCL);
    const copyFd = openSync(to, constants.O_RDONLY);
    try {
      fchmodSync(copyFd, statSync(from).mode & 0o7777);
    } finally {
      closeSync(copyFd);
    }
  }
}

/** One file of a multi-file commit, by names relative to the committed folder. */
interface JournalEntry {
  target: string;
  temp: string;
  /** Hard-link backup of the file being replaced; `null` when the target is new. */
  backup: string | null;
}

/** What a commit into an existing folder will change, written down before the first rename. */
interface Journal {
  entries: JournalEntry[];
  /** Links made into the user-visible `.bak/<ts>/` folder (relative paths). */
  links: string[];
  /** Folders created for those links, outermost first (relative paths). */
  dirs: string[];
}

/**
 * Undoes a commit described by `journal` in `dir`, whatever point it reached. Idempotent, so a
 * second crash during recovery is recovered by the next run: a replaced file comes back from
 * its backup while the backup exists; a new file is removed once its temp has been renamed
 * (or still shares the temp's inode after an exclusive link).
 */
function rollBack(dir: string, journal: Journal): void {
  const at = (name: string) => join(dir, name);
  for (const entry of [...journal.entries].reverse()) {
    try {
      if (entry.backup !== null) {
        if (lexists(at(entry.backup))) renameSync(at(entry.backup), at(entry.target));
      } else if (
        lexists(at(entry.target)) &&
        (!lexists(at(entry.temp)) || sameFile(at(entry.temp), at(entry.target)))
      ) {
        unlinkSync(at(entry.target));
      }
      discard(at(entry.temp));
    } catch {
      // Keep undoing the rest; a later recovery retries what is left.
    }
  }
  for (const link of journal.links) discard(at(link));
  removeDirs(journal.dirs.map(at));
}

const BAK_LINK = /^\.bak\/[^/]+\/[^/]+$/;
const BAK_DIR = /^\.bak(?:\/[^/]+)?$/;

function isPlainName(name: unknown): name is string {
  return typeof name === "string" && name !== "" && name !== "." && name !== ".." && !name.includes("/");
}

/**
 * Reads back a journal of ours, trusting nothing in it: it is read with a size cap, and every
 * name must be a plain file name in the folder (temps and backups with our naming) or a link
 * inside `.bak/<ts>/`; anything else makes it unusable (then only the sweep runs).
 */
function readJournal(path: string): Journal | undefined {
  const read = tryReadFile(path, 64 * 1024);
  if (!read.ok) return undefined;
  try {
    const value = JSON.parse(new TextDecoder().decode(read.bytes)) as Journal;
    const ours = (name: unknown, tag: TempTag) => isPlainName(name) && parseTempName(name)?.tag === tag;
    const fine =
      Array.isArray(value.entries) &&
      value.entries.every(
        (e) => isPlainName(e.target) && ours(e.temp, "tmp") && (e.backup === null || ours(e.backup, "bak")),
      ) &&
      Array.isArray(value.links) &&
      value.links.every((l) => typeof l === "string" && BAK_LINK.test(l)) &&
      Array.isArray(value.dirs) &&
      value.dirs.every((d) => typeof d === "string" && BAK_DIR.test(d));
    return fine ? value : undefined;
  } catch {
    return undefined;
  }
}

/** True unless `dir/.bak` or a folder of the journal's links exists as something other than a real folder. */
function bakFoldersAreReal(dir: string, journal: Journal): boolean {
  const folders = new Set([".bak", ...journal.links.map((link) => dirname(link))]);
  return [...folders].every((folder) => {
    try {
      return lstatSync(join(dir, folder)).isDirectory();
    } catch {
      return true;
    }
  });
}

/**
 * Cleans up after writers of ours that were killed: in `dir`, rolls back every unfinished
 * commit journal of a dead process, then removes its temp files and folders, drops its stale
 * backups, and puts back a folder it had moved aside (or drops it when its replacement is
 * complete). Entries of live processes and every other name are left alone. Never throws.
 */
export function recoverStale(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = JOURNAL_NAME.exec(name);
    if (!match || processAlive(Number(match[1]))) continue;
    const journal = readJournal(join(dir, name));
    // A journal that does not parse was torn while being written, before any rename: the
    // sweep below removes that commit's temps and backups.
    if (journal)
      rollBack(dir, bakFoldersAreReal(dir, journal) ? journal : { ...journal, links: [], dirs: [] });
    discard(join(dir, name));
  }
  for (const name of names) {
    const temp = parseTempName(name);
    if (!temp || processAlive(temp.pid)) continue;
    const path = join(dir, name);
    try {
      if (temp.tag === "old" && !lexists(join(dir, temp.base))) renameSync(path, join(dir, temp.base));
      else rmSync(path, { recursive: true, force: true });
    } catch {
      // Best effort: a leftover we cannot remove is still ignored by every reader.
    }
  }
}

/**
 * Writes one file atomically: temp sibling, fsync, then rename (or link + unlink when
 * `exclusive`, which fails with EEXIST instead of replacing). Readers see the old file or the
 * whole new one. Throws the raw fs error; callers map it to their coded error.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, mode: number, exclusive = false): void {
  recoverStale(dirname(path));
  const temp = tempSibling(path);
  try {
    writeNewFile(temp, bytes, mode);
    if (exclusive) {
      linkSync(temp, path);
      unlinkSync(temp);
    } else {
      renameSync(temp, path);
    }
  } catch (error) {
    discard(temp);
    throw error;
  }
  syncDir(dirname(path));
}

/** Options of {@link commitFiles}. */
export interface CommitOptions {
  /** Mode of `dir` when it has to be created; default 0700. */
  dirMode?: number;
  /** Maps a collision on an `exclusive` name to the caller's coded error. */
  existsError?: (path: string) => FlareError;
  /**
   * `--force` backups: the named existing files (each also in `files`) are kept in
   * `<dir>/<folder>/` (leaf created 0700, parents 0755; `-1`, `-2`… is appended if it exists)
   * before being replaced. Undone with the rest if the commit fails.
   */
  backup?: { folder: string; names: readonly string[] };
}

/**
 * Writes a set of files into `dir` as one unit. A missing `dir` (and its missing ancestors,
 * 0700) is assembled in a temp sibling and renamed into place. In an existing `dir` every file
 * is staged as a temp sibling, replaced files get a hard-link backup, a journal is written,
 * then the temps are renamed in the given order (put the file that marks completion last) and
 * the journal is deleted: that is the commit point. A failure rolls back in-process; a kill is
 * rolled back by the next {@link recoverStale} of `dir`. Throws the `existsError` for a taken
 * exclusive name, else `OUTPUT_DIR_NOT_WRITABLE` naming `dir` and the system reason.
 */
export function commitFiles(dir: string, files: PlannedFile[], options: CommitOptions = {}): void {
  if (!lexists(dir)) {
    commitNewDir(dir, files, options.dirMode ?? 0o700);
    return;
  }
  recoverStale(dir);
  const suffix = uniqueSuffix();
  const journalPath = join(dir, `.flare-txn-${suffix}.json`);
  const journal: Journal = { entries: [], links: [], dirs: [] };
  let journalWritten = false;
  try {
    for (const file of files) {
      const temp = basename(tempSibling(file.name));
      journal.entries.push({ target: file.name, temp, backup: null });
      writeNewFile(join(dir, temp), file.bytes, file.mode);
    }
    files.forEach((file, i) => {
      const entry = journal.entries[i] as JournalEntry;
      if (file.exclusive || !lexists(join(dir, file.name))) return;
      const backup = basename(tempSibling(file.name, "bak"));
      linkOrCopy(join(dir, file.name), join(dir, backup));
      entry.backup = backup;
    });
    const backup = options.backup;
    let bakFolder = "";
    if (backup && backup.names.length > 0) {
      bakFolder = backup.folder;
      for (let n = 1; lexists(join(dir, bakFolder)); n++) bakFolder = `${backup.folder}-${n}`;
      for (let d = bakFolder; d !== "." && !lexists(join(dir, d)); d = dirname(d)) journal.dirs.unshift(d);
      journal.links = backup.names.map((name) => join(bakFolder, name));
    }
    writeNewFile(journalPath, new TextEncoder().encode(JSON.stringify(journal)), 0o600);
    journalWritten = true;
    syncDir(dir);

    // Modes as the reference leaves them: `.bak/` 0755, `.bak/<ts>/` 0700 (artifacts.md §13).
    for (const d of journal.dirs) mkdirSync(join(dir, d), { mode: d === bakFolder ? 0o700 : 0o755 });
    for (const name of backup?.names ?? []) linkOrCopy(join(dir, name), join(dir, bakFolder, name));
    files.forEach((file, i) => {
      const entry = journal.entries[i] as JournalEntry;
      const target = join(dir, file.name);
      if (!file.exclusive) {
        renameSync(join(dir, entry.temp), target);
        return;
      }
      try {
        linkSync(join(dir, entry.temp), target);
      } catch (error) {
        if (errnoCode(error) === "EEXIST" && options.existsError) throw options.existsError(target);
        throw error;
      }
      unlinkSync(join(dir, entry.temp));
    });
    syncDir(dir);
    unlinkSync(journalPath);
  } catch (error) {
    // Before the journal is complete nothing has been renamed: only our temps and backups go
    // (a missing temp then means "never written", not "renamed into place").
    if (journalWritten) rollBack(dir, journal);
    for (const entry of journal.entries) {
      discard(join(dir, entry.temp));
      if (entry.backup) discard(join(dir, entry.backup));
    }
    discard(journalPath);
    throw notWritable(dir, error);
  }
  syncDir(dir);
  for (const entry of journal.entries) if (entry.backup) discard(join(dir, entry.backup));
}

function commitNewDir(dir: string, files: PlannedFile[], dirMode: number): void {
  const parent = dirname(dir);
  let created: string[] = [];
  const staging = tempSibling(dir);
  try {
    created = makeDirs(parent, 0o700);
    recoverStale(parent);
    mkdirSync(staging, { mode: dirMode });
    for (const file of files) writeNewFile(join(staging, file.name), file.bytes, file.mode);
    syncDir(staging);
    renameSync(staging, dir);
    syncDir(parent);
  } catch (error) {
    discard(staging);
    removeDirs(created);
    throw notWritable(dir, error);
  }
}

/**
 * Crash-safe writes. Every output is first written under a hidden temp name beside its
 * destination and then renamed into place, so a reader (or a re-run) sees the old state or the
 * complete new one, even if the process is killed at any instant.
 *
 * Names of our temporaries carry the writer (host, pid, pid start time, see writer-id.ts):
 * `.<name>.<tag>-<host>-<pid>-<start>-<12 hex>` (tag `tmp` for data being written, `bak` for a
 * hard-link backup of a file being replaced, `old` for a folder moved aside) and
 * `.flare-txn-<host>-<pid>-<start>-<12 hex>.json` for the journal of a multi-file commit.
 * {@link recoverStale} recognizes exactly these names and undoes or removes those that this
 * user's processes on this host left when they were killed; every write into a folder calls it
 * first (docs/security.md "What recovery trusts").
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
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { FlareError } from "../core/errors/flare-error.ts";
import { errnoCode, isFdExhaustion, notWritable, tooManyOpenFiles } from "./fs-errors.ts";
import { tryReadFile } from "./read-input.ts";
import { breakStaleLock, isStaleLock, LOCK_NAME, readLock } from "./stale-lock.ts";
import { hostToken, sameHost, thisWriter, WRITER_TOKEN, writerAlive, writerToken } from "./writer-id.ts";

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
// The writer token has no `.`, so the last `.<tag>-` splits a name unambiguously.
const TEMP_NAME = new RegExp(`^\\.(.+)\\.(tmp|bak|old)-${WRITER_TOKEN}-[0-9a-f]{12}$`, "s");
const JOURNAL_NAME = new RegExp(`^\\.flare-txn-${WRITER_TOKEN}-[0-9a-f]{12}\\.json$`);

function uniqueSuffix(): string {
  return `${writerToken()}-${randomBytes(6).toString("hex")}`;
}

/** A hidden, unique temp name beside `path` that {@link recoverStale} can recognize. */
export function tempSibling(path: string, tag: TempTag = "tmp"): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${uniqueSuffix()}`);
}

/** The parts of one of our temp names, or `undefined` for any other name. */
export function parseTempName(
  name: string,
): { base: string; tag: TempTag; host: string; pid: number; started: string } | undefined {
  const match = TEMP_NAME.exec(name);
  if (!match) return undefined;
  return {
    base: match[1] as string,
    tag: match[2] as TempTag,
    host: match[3] as string,
    pid: Number(match[4]),
    started: match[5] as string,
  };
}

/** The effective uid, or `undefined` where the platform has none (then ownership is not checked). */
function euid(): number | undefined {
  return typeof process.geteuid === "function" ? process.geteuid() : undefined;
}

/** True when `stat` belongs to the effective uid. */
export function ownedByMe(stat: Stats): boolean {
  const me = euid();
  return me === undefined || stat.uid === me;
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
  /** Format marker: a journal without it (or with another value) is not one of ours. */
  flare_txn: 1;
  /** Who wrote it; must agree with the journal's name. */
  writer: { host: string; pid: number; started: string };
  entries: JournalEntry[];
  /** Links made into the user-visible `.bak/<ts>/` folder (`.bak/<ts>/<name>`). */
  links: string[];
  /** Folders created for those links, outermost first (`.bak`, `.bak/<ts>`). */
  dirs: string[];
}

/**
 * Undoes a commit described by `journal` in `dir`, whatever point it reached. Idempotent, so a
 * second crash during recovery is recovered by the next run: a replaced file comes back from
 * its backup while the backup exists; a new file is removed once its temp has been renamed
 * (or still shares the temp's inode after an exclusive link).
 */
function rollBack(dir: string, journal: Pick<Journal, "entries" | "links" | "dirs">): void {
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

/** A name that is one entry of the folder itself: no `/`, not `.` or `..`, no NUL. */
function isPlainName(name: unknown): name is string {
  return (
    typeof name === "string" &&
    name !== "" &&
    name !== "." &&
    name !== ".." &&
    !name.includes("/") &&
    !name.includes("\0")
  );
}

/** `.bak/<plain>/<plain>`: a `--force` backup link. */
function isBakLink(path: unknown): path is string {
  if (typeof path !== "string") return false;
  const parts = path.split("/");
  return parts.length === 3 && parts[0] === ".bak" && isPlainName(parts[1]) && isPlainName(parts[2]);
}

/** `.bak` or `.bak/<plain>`: a folder made for backup links. */
function isBakDir(path: unknown): path is string {
  if (typeof path !== "string") return false;
  const parts = path.split("/");
  return parts[0] === ".bak" && (parts.length === 1 || (parts.length === 2 && isPlainName(parts[1])));
}

const sameKeys = (value: object, keys: readonly string[]) =>
  Object.keys(value).length === keys.length && keys.every((key) => Object.hasOwn(value, key));

/**
 * True when `value` has exactly the shape {@link commitFiles} writes, written by the writer its
 * name says, and every name in it is a plain entry of the folder: targets plain names, temps
 * and backups our temp names of that writer for that target, links and folders inside
 * `.bak/<ts>/`.
 */
function isOurJournal(value: unknown, writer: { host: string; pid: number; started: string }): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const journal = value as Record<string, unknown>;
  if (!sameKeys(journal, ["flare_txn", "writer", "entries", "links", "dirs"]) || journal.flare_txn !== 1)
    return false;
  const w = journal.writer as Record<string, unknown> | null;
  if (
    typeof w !== "object" ||
    w === null ||
    !sameKeys(w, ["host", "pid", "started"]) ||
    w.host !== writer.host ||
    w.pid !== writer.pid ||
    w.started !== writer.started
  )
    return false;
  const tempOf = (name: unknown, target: string, tag: TempTag) => {
    const temp = isPlainName(name) ? parseTempName(name) : undefined;
    return (
      temp !== undefined &&
      temp.tag === tag &&
      temp.base === target &&
      temp.host === hostToken(writer.host) &&
      temp.pid === writer.pid &&
      temp.started === writer.started
    );
  };
  return (
    Array.isArray(journal.entries) &&
    journal.entries.every((e: unknown) => {
      if (typeof e !== "object" || e === null || !sameKeys(e, ["target", "temp", "backup"])) return false;
      const { target, temp, backup } = e as Record<string, unknown>;
      return (
        isPlainName(target) &&
        tempOf(temp, target, "tmp") &&
        (backup === null || tempOf(backup, target, "bak"))
      );
    }) &&
    Array.isArray(journal.links) &&
    journal.links.every(isBakLink) &&
    Array.isArray(journal.dirs) &&
    journal.dirs.every(isBakDir)
  );
}

/**
 * Why the entries a journal names may not be touched, or `undefined` when they may: each that
 * exists must be a real file (a backup folder a real folder) of this user, never a symlink,
 * so a rollback never follows a link out of the folder nor moves someone else's file over ours.
 */
function namedEntriesProblem(dir: string, journal: Journal): string | undefined {
  const check = (name: string, kind: "file" | "dir", mustBeMine: boolean): string | undefined => {
    let stat: Stats;
    try {
      stat = lstatSync(join(dir, name));
    } catch {
      return undefined;
    }
    if (stat.isSymbolicLink()) return `${name} is a symbolic link`;
    if (kind === "file" ? !stat.isFile() : !stat.isDirectory())
      return `${name} is not a regular ${kind === "file" ? "file" : "folder"}`;
    if (mustBeMine && !ownedByMe(stat)) return `${name} belongs to uid ${stat.uid}`;
    return undefined;
  };
  const folders = new Set([".bak", ...journal.dirs, ...journal.links.map((link) => dirname(link))]);
  const problems = [
    ...journal.entries.flatMap((e) => [
      check(e.target, "file", false),
      check(e.temp, "file", true),
      e.backup === null ? undefined : check(e.backup, "file", true),
    ]),
    ...journal.links.map((link) => check(link, "file", false)),
    ...[...folders].map((folder) => check(folder, "dir", true)),
  ];
  return problems.find((p) => p !== undefined);
}

/** Where recovery reports what it left alone (a `Warning: ...` line); silent when omitted. */
export type RecoveryReport = (warning: string) => void;

const reported = new Set<string>();

/**
 * Rolls back (or removes, when torn) one journal, if it is one this user's process on this host
 * wrote and that process no longer runs; anything else is left alone and reported. Returns
 * false when it left a journal of a dead writer alone: that writer's temps and backups then
 * stay too (they may be what a rollback needs).
 */
function recoverJournal(dir: string, name: string, report: RecoveryReport): boolean {
  const match = JOURNAL_NAME.exec(name) as RegExpExecArray;
  const [hostName, pid, started] = [match[1] as string, Number(match[2]), match[3] as string];
  const path = join(dir, name);
  const leave = (why: string) => {
    report(`Warning: left alone ${path}: ${why}.`);
    return false;
  };
  if (!sameHost(hostName)) {
    // Its temps are another host's too, which the sweep never touches.
    return leave(
      `it is the journal of an interrupted write on host '${hostName}', which may still be running there; remove it once no flare-provision command runs on that host`,
    );
  }
  if (writerAlive(pid, started)) return true;
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch {
    return true;
  }
  if (!stat.isFile() || stat.nlink !== 1) return leave("it is not a regular file with one link");
  if (!ownedByMe(stat)) return leave(`it was not written by this user (owner uid ${stat.uid})`);
  const read = tryReadFile(path, 64 * 1024);
  if (!read.ok) return leave(`it cannot be read (${read.detail})`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(read.bytes));
  } catch {
    // Torn while being written (a kill before its fsync): nothing was renamed yet, so the
    // sweep of that writer's temps and backups is the whole recovery.
    discard(path);
    return true;
  }
  const writer = { host: thisWriter().host, pid, started };
  if (!isOurJournal(value, writer)) return leave("it is not a journal this program writes");
  const journal = value as Journal;
  const problem = namedEntriesProblem(dir, journal);
  if (problem) return leave(`it names an entry that recovery may not touch (${problem})`);
  rollBack(dir, journal);
  discard(path);
  return true;
}

/**
 * Cleans up after writers of ours that were killed: in `dir`, rolls back every unfinished
 * commit journal, then removes temp files and folders, drops stale backups, and puts back a
 * folder that was moved aside (or drops it when its replacement is complete). It acts only in
 * a folder owned by the effective uid, only on entries owned by it whose names say they were
 * written on this host by a process that no longer runs; every other name is left alone, and a
 * journal it cannot trust is reported through `report` (docs/security.md "What recovery
 * trusts"). Never throws, except for too many open files.
 */
export function recoverStale(dir: string, reportTo?: RecoveryReport): void {
  // A folder is recovered by several steps of one command (and by each zip of a batch): say
  // each thing left alone once per process.
  const report: RecoveryReport = (warning) => {
    if (!reportTo || reported.has(warning)) return;
    reported.add(warning);
    reportTo(warning);
  };
  let names: string[];
  let folder: Stats;
  try {
    folder = statSync(dir);
    names = readdirSync(dir);
  } catch (error) {
    if (isFdExhaustion(error)) throw tooManyOpenFiles(error);
    return;
  }
  const ours = names.filter(
    (name) => JOURNAL_NAME.test(name) || parseTempName(name) !== undefined || LOCK_NAME.test(name),
  );
  if (ours.length === 0) return;
  if (!ownedByMe(folder)) {
    report(
      `Warning: left alone what interrupted writes left in ${dir}: the folder belongs to uid ${folder.uid}, not to this user.`,
    );
    return;
  }
  // A lock a killed command left (lock.ts) is dropped under the same rules; a live one stays.
  for (const name of ours) {
    if (!LOCK_NAME.test(name)) continue;
    const lock = readLock(join(dir, name));
    if (lock && isStaleLock(lock)) breakStaleLock(join(dir, name), lock.stat, tempSibling(join(dir, name)));
  }
  const keep = new Set<string>();
  for (const name of ours) {
    const match = JOURNAL_NAME.exec(name);
    if (match && !recoverJournal(dir, name, report)) keep.add(`${match[2]}-${match[3]}`);
  }
  for (const name of ours) {
    const temp = parseTempName(name);
    if (
      !temp ||
      !isPlainName(temp.base) ||
      !sameHost(temp.host) ||
      keep.has(`${temp.pid}-${temp.started}`) ||
      writerAlive(temp.pid, temp.started)
    )
      continue;
    const path = join(dir, name);
    try {
      if (!ownedByMe(lstatSync(path))) continue;
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
    commitNewDir(dir, files, options);
    return;
  }
  recoverStale(dir);
  const suffix = uniqueSuffix();
  const journalPath = join(dir, `.flare-txn-${suffix}.json`);
  const { host, pid, started } = thisWriter();
  const journal: Journal = { flare_txn: 1, writer: { host, pid, started }, entries: [], links: [], dirs: [] };
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

/**
 * The new-folder case of {@link commitFiles}. A folder that appeared meanwhile (a concurrent
 * `cert init` or `cert request` won the race) is the caller's `existsError` for the first
 * exclusive file, not an unwritable folder.
 */
function commitNewDir(dir: string, files: PlannedFile[], options: CommitOptions): void {
  const parent = dirname(dir);
  let created: string[] = [];
  const staging = tempSibling(dir);
  try {
    created = makeDirs(parent, 0o700);
    recoverStale(parent);
    mkdirSync(staging, { mode: options.dirMode ?? 0o700 });
    for (const file of files) writeNewFile(join(staging, file.name), file.bytes, file.mode);
    syncDir(staging);
    try {
      renameSync(staging, dir);
    } catch (error) {
      const code = errnoCode(error);
      const exclusive = files.find((file) => file.exclusive);
      if ((code === "ENOTEMPTY" || code === "EEXIST") && exclusive && options.existsError)
        throw options.existsError(join(dir, exclusive.name));
      throw error;
    }
    syncDir(parent);
  } catch (error) {
    discard(staging);
    removeDirs(created);
    throw notWritable(dir, error);
  }
}

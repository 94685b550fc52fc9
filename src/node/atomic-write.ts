import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { FlareError } from "../core/errors/flare-error.ts";
import { errnoCode, notWritable } from "./fs-errors.ts";

/** A file to write: a name inside the target directory, its bytes and exact mode. */
export interface PlannedFile {
  name: string;
  bytes: Uint8Array;
  mode: number;
  /** Refuse to replace an existing file (keys, zips without --force). */
  exclusive?: boolean;
}

const { O_CREAT, O_EXCL, O_WRONLY, O_NOFOLLOW } = constants;

/** A temp name beside `path`, hidden and unique, that our cleanup can recognize. */
export function tempSibling(path: string, tag = "tmp"): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${randomBytes(6).toString("hex")}`);
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
 * Writes one file atomically: temp sibling, fsync, then rename (or link + unlink when
 * `exclusive`, which fails instead of replacing). Readers see the old file or the whole new one.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, mode: number, exclusive = false): void {
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
    rmSync(temp, { force: true });
    throw error;
  }
  syncDir(dirname(path));
}

/**
 * Writes a set of files into `dir` as one unit as far as POSIX allows. A missing `dir` is
 * assembled in a temp sibling and renamed into place (all or nothing). In an existing `dir`
 * every file is staged as a temp sibling first, then renamed in the given order (put the file
 * that marks completion last); on failure each replaced file is restored from a hard-link
 * backup, new ones are removed and temps cleaned. `existsError` maps a collision on an
 * `exclusive` name to the caller's coded error.
 */
export function commitFiles(
  dir: string,
  files: PlannedFile[],
  options: { dirMode?: number; existsError?: (path: string) => FlareError } = {},
): void {
  const dirMode = options.dirMode ?? 0o700;
  if (!existsSync(dir)) {
    const parent = dirname(dir);
    const staging = tempSibling(dir);
    try {
      mkdirSync(parent, { recursive: true, mode: 0o700 });
      mkdirSync(staging, { mode: dirMode });
      for (const file of files) writeNewFile(join(staging, file.name), file.bytes, file.mode);
      syncDir(staging);
      renameSync(staging, dir);
      syncDir(parent);
      return;
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw notWritable(dir, error);
    }
  }
  const staged = files.map((file) => ({
    file,
    target: join(dir, file.name),
    temp: tempSibling(join(dir, file.name)),
  }));
  const undo: (() => void)[] = [];
  const backups: string[] = [];
  try {
    for (const { file, temp } of staged) writeNewFile(temp, file.bytes, file.mode);
    for (const { file, temp, target } of staged) {
      if (file.exclusive) {
        try {
          linkSync(temp, target);
        } catch (error) {
          if (errnoCode(error) === "EEXIST" && options.existsError) throw options.existsError(target);
          throw error;
        }
        unlinkSync(temp);
        undo.push(() => rmSync(target, { force: true }));
        continue;
      }
      const backup = tempSibling(target, "bak");
      let hadOld = true;
      try {
        linkSync(target, backup);
        backups.push(backup);
      } catch (error) {
        if (errnoCode(error) !== "ENOENT") throw error;
        hadOld = false;
      }
      renameSync(temp, target);
      undo.push(hadOld ? () => renameSync(backup, target) : () => rmSync(target, { force: true }));
    }
    syncDir(dir);
  } catch (error) {
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        // Keep undoing the rest; the original error is what the user needs to see.
      }
    }
    for (const { temp } of staged) rmSync(temp, { force: true });
    for (const backup of backups) rmSync(backup, { force: true });
    throw notWritable(dir, error);
  }
  for (const backup of backups) rmSync(backup, { force: true });
}

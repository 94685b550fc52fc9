import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync } from "node:fs";
import type { FlareError } from "../core/errors/flare-error.ts";
import { describeErrno, errnoCode, isFdExhaustion, tooManyOpenFiles } from "./fs-errors.ts";

/** Inputs larger than this are refused before parsing (zips carry at most ~20 MiB of members). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** Text inputs (YAML, JSON, PEM) are small; anything bigger is not ours. */
export const MAX_TEXT_BYTES = 1024 * 1024;

/** Why a read found nothing usable. */
export type ReadFailure = "missing" | "not-a-file" | "too-large" | "unreadable";

/** Result of {@link tryReadFile}: bytes, or why not with the errno text. */
export type ReadResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: ReadFailure; detail: string };

/**
 * Reads a regular file of at most `maxBytes`, without throwing: the caller decides which coded
 * error each failure is, since the spec gives the same failure different codes per command.
 * The one exception is a process out of file descriptors: `TOO_MANY_OPEN_FILES`.
 */
export function tryReadFile(path: string, maxBytes = MAX_TEXT_BYTES): ReadResult {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    // Out of file descriptors says nothing about the file: never report it as unreadable.
    if (isFdExhaustion(error)) throw tooManyOpenFiles(error);
    const code = errnoCode(error) ?? "EIO";
    if (code === "ENOENT" || code === "ENOTDIR")
      return { ok: false, reason: "missing", detail: describeErrno(code) };
    if (code === "EISDIR") return { ok: false, reason: "not-a-file", detail: describeErrno(code) };
    return { ok: false, reason: "unreadable", detail: describeErrno(code) };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, reason: "not-a-file", detail: "not a regular file" };
    if (stat.size > maxBytes)
      return { ok: false, reason: "too-large", detail: `larger than ${maxBytes} bytes` };
    // Read at most maxBytes + 1 so a file that grows while we read is still caught.
    let buffer = new Uint8Array(Math.min(stat.size || 4096, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes)
        return { ok: false, reason: "too-large", detail: `larger than ${maxBytes} bytes` };
      if (length < buffer.length) continue;
      // Pseudo-files (/proc) report size 0: keep reading them, up to the cap.
      if (stat.size !== 0) break;
      const bigger = new Uint8Array(Math.min(buffer.length * 2, maxBytes + 1));
      bigger.set(buffer);
      buffer = bigger;
    }
    return { ok: true, bytes: buffer.subarray(0, length) };
  } catch (error) {
    return { ok: false, reason: "unreadable", detail: describeErrno(errnoCode(error) ?? "EIO") };
  } finally {
    closeSync(fd);
  }
}

/** Reads a file or throws the given coded error builder's result for any failure. */
export function readFileOr(
  path: string,
  maxBytes: number,
  fail: (result: Exclude<ReadResult, { ok: true }>) => FlareError,
): Uint8Array {
  const result = tryReadFile(path, maxBytes);
  if (!result.ok) throw fail(result);
  return result.bytes;
}

/** What is at a path, without following a final symlink. */
export function pathKind(path: string): "missing" | "file" | "dir" | "symlink" | "other" {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return "symlink";
    if (stat.isFile()) return "file";
    if (stat.isDirectory()) return "dir";
    return "other";
  } catch {
    return "missing";
  }
}

/** True when `path` exists and is (or points at) a directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

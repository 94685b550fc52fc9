import { FlareError } from "../core/errors/flare-error.ts";

/** The errno code of a Node fs error, if any. */
export function errnoCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

/**
 * Turns a failed write under `dir` into `OUTPUT_DIR_NOT_WRITABLE` naming the directory and
 * the system reason (ENOSPC, EACCES, EROFS ...), so a full disk reads as a clean error.
 */
export function notWritable(dir: string, error: unknown): FlareError {
  if (error instanceof FlareError) return error;
  if (isFdExhaustion(error)) return tooManyOpenFiles(error);
  const reason = errnoCode(error) ?? (error instanceof Error ? error.message : String(error));
  return new FlareError("OUTPUT_DIR_NOT_WRITABLE", {
    message: `Cannot write to output directory ${dir}.`,
    detail: describeErrno(reason),
    cause: error,
  });
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENXIO: "no such device or address",
  EAGAIN: "resource temporarily unavailable",
  EIO: "input/output error",
  EBUSY: "device or resource busy",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  ENAMETOOLONG: "file name too long",
  ENOTEMPTY: "directory not empty",
  EXDEV: "cross-device link",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOTDIR: "a path component is not a directory",
  EEXIST: "a file of that name already exists",
  ELOOP: "refusing to follow a symbolic link",
  EISDIR: "is a directory",
};

/** A short human reason for an errno code, with the code itself. */
export function describeErrno(code: string): string {
  const text = ERRNO_TEXT[code];
  return text ? `${text} (${code})` : code;
}

/** True for the errno codes of a process (EMFILE) or system (ENFILE) out of file descriptors. */
export function isFdExhaustion(error: unknown): boolean {
  const code = errnoCode(error);
  return code === "EMFILE" || code === "ENFILE";
}

/** `TOO_MANY_OPEN_FILES` for an EMFILE/ENFILE: the limit, not the folder, is the problem. */
export function tooManyOpenFiles(error: unknown): FlareError {
  const code = errnoCode(error) === "ENFILE" ? "ENFILE" : "EMFILE";
  return new FlareError("TOO_MANY_OPEN_FILES", {
    message: `Too many open files (${code}${code === "ENFILE" ? ": the whole system is out of file descriptors" : ""}).`,
    cause: error,
  });
}

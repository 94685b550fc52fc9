import { hostname } from "node:os";
import { errnoCode } from "./fs-errors.ts";
import { tryReadFile } from "./read-input.ts";

/**
 * Who wrote a temp file, journal or lock: the host, the pid and the pid's start time. Recovery
 * and stale-lock handling act only on what a process of *this* host that no longer runs left
 * behind (docs/security.md "What recovery trusts"). Liveness can only be judged on one host: a
 * name from another host (a folder on NFS) is never treated as stale, since its writer may be
 * running there right now.
 */
export interface Writer {
  /** `os.hostname()` as it is. */
  host: string;
  pid: number;
  /**
   * Start time of the pid in clock ticks since boot (`/proc/<pid>/stat` field 22), as decimal
   * digits, or `"0"` where the system does not say (then the pid alone decides liveness). A
   * reused pid has another start time, so it is not mistaken for the writer.
   */
  started: string;
}

/** The host as it appears in names: letters, digits, `-` and `_` only (no `.`), at most 40. */
export function hostToken(host: string): string {
  const token = host.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40);
  return token === "" ? "_" : token;
}

/** `/proc/<pid>/stat` field 22, or `"0"` when unavailable (not Linux, no /proc, gone). */
export function processStartTime(pid: number): string {
  // Through the capped reader like every read; out of file descriptors throws from there.
  const read = tryReadFile(`/proc/${pid}/stat`, 4096);
  if (!read.ok) return "0";
  const stat = new TextDecoder("latin1").decode(read.bytes);
  // Field 2 (the command) is in parentheses and may hold spaces: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const started = fields[19];
  return started && /^\d+$/.test(started) ? started : "0";
}

let self: Writer | undefined;

/** This process as a writer (computed once). */
export function thisWriter(): Writer {
  self ??= { host: hostname(), pid: process.pid, started: processStartTime(process.pid) };
  return self;
}

/** `<host token>-<pid>-<start>`: the writer part of every name of ours. */
export function writerToken(writer: Writer = thisWriter()): string {
  return `${hostToken(writer.host)}-${writer.pid}-${writer.started}`;
}

/** The regex source of {@link writerToken}, capturing host token, pid and start. */
export const WRITER_TOKEN = "([A-Za-z0-9_-]{1,40})-(\\d{1,10})-(\\d{1,20})";

/** True when the token names a process of this host (the only ones whose liveness we can judge). */
export function sameHost(token: string): boolean {
  return token === hostToken(thisWriter().host);
}

/**
 * True while the writer may still be running: this very process, or a process of this host
 * with that pid and (where known) that start time. Never call it for another host's writer.
 */
export function writerAlive(pid: number, started: string): boolean {
  const me = thisWriter();
  if (pid === me.pid) return started === me.started || started === "0" || me.started === "0";
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if (errnoCode(error) !== "EPERM") return false;
  }
  if (started === "0") return true;
  const now = processStartTime(pid);
  return now === "0" || now === started;
}

// Test-only fault injection, preloaded into a CLI subprocess with `--import` (via NODE_OPTIONS)
// by the security tests. It wraps the fs calls that change the disk and, at the N-th one,
// either kills the process with SIGKILL (a crash at that exact point) or throws an errno error
// (a full disk, a read-only folder). Nothing in the product knows about it: the bundle's named
// `node:fs` imports are rebound with syncBuiltinESMExports().
//
// Environment:
//   FLARE_FAULT_CRASH_AT=N   SIGKILL just before the N-th mutating call (1-based)
//   FLARE_FAULT_FAIL_AT=N    throw FLARE_FAULT_ERRNO (default ENOSPC) from the N-th call that
//                            allocates space (mkdir, open for writing, write, rename, link, copy);
//                            removals never fail, as on a real full disk
//   FLARE_FAULT_COUNT_FILE   write {"mutating": n, "allocating": m} for the run at exit
//   FLARE_FAULT_DELAY_MS=N   sleep N ms once, before the first mutating call whose path
//   FLARE_FAULT_DELAY_AT=s   argument contains the substring s: widens a race window so
//                            concurrency tests do not depend on luck
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const crashAt = Number(process.env.FLARE_FAULT_CRASH_AT ?? 0);
const failAt = Number(process.env.FLARE_FAULT_FAIL_AT ?? 0);
const errno = process.env.FLARE_FAULT_ERRNO ?? "ENOSPC";
const countFile = process.env.FLARE_FAULT_COUNT_FILE;
const { O_WRONLY, O_RDWR, O_CREAT } = fs.constants;
const writeFileSync = fs.writeFileSync;
let count = 0;
let allocating = 0;
const ALLOCATING = new Set([
  "mkdirSync",
  "openSync",
  "writeSync",
  "renameSync",
  "linkSync",
  "copyFileSync",
  "symlinkSync",
  "writeFileSync",
]);

function writes(flags) {
  if (typeof flags === "number") return (flags & (O_WRONLY | O_RDWR | O_CREAT)) !== 0;
  return typeof flags === "string" && /[wa+]/.test(flags);
}

const delayMs = Number(process.env.FLARE_FAULT_DELAY_MS ?? 0);
const delayAt = process.env.FLARE_FAULT_DELAY_AT ?? "";

let delayed = false;

function maybeDelay(args) {
  if (delayed || !delayMs || !delayAt) return;
  if (args.slice(0, 2).some((arg) => typeof arg === "string" && arg.includes(delayAt))) {
    delayed = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs);
  }
}

function step(name) {
  count++;
  if (count === crashAt) {
    process.kill(process.pid, "SIGKILL");
    // SIGKILL to oneself is delivered before kill() returns; never run on regardless.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  if (!ALLOCATING.has(name)) return;
  allocating++;
  if (allocating === failAt) {
    const error = new Error(`${errno}: injected fault, ${name}`);
    error.code = errno;
    error.syscall = name;
    throw error;
  }
}

const MUTATING = [
  "mkdirSync",
  "writeSync",
  "renameSync",
  "linkSync",
  "unlinkSync",
  "rmSync",
  "rmdirSync",
  "copyFileSync",
  "symlinkSync",
  "writeFileSync",
];
for (const name of MUTATING) {
  const original = fs[name];
  fs[name] = function (...args) {
    maybeDelay(args);
    step(name);
    return original.apply(this, args);
  };
}
const openSync = fs.openSync;
fs.openSync = function (path, flags, ...rest) {
  if (writes(flags)) {
    maybeDelay([path]);
    step("openSync");
  }
  return openSync.call(this, path, flags, ...rest);
};
syncBuiltinESMExports();

if (countFile) {
  process.on("exit", () => writeFileSync(countFile, JSON.stringify({ mutating: count, allocating })));
}

// Node 20's test runner takes no glob patterns: find the test files, then run them all
// in one `node --test` (2 at a time, this machine's core count). Extra args filter paths.
//
// A test run must leave nothing behind. The tests run with TMPDIR pointing at a fresh private
// temp folder and HOME at a fresh empty home, both inside one folder made here; afterwards
// anything left in either is listed and fails the run (exit 1), and the folder is removed,
// also when the run fails or is interrupted.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

function find(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== "node_modules" && path !== join("test", "vectors"))
      find(path, out);
    else if (entry.isFile() && entry.name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = [...find("src"), ...find("test")]
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}

const root = mkdtempSync(join(tmpdir(), "flare-test-run-"));
const tempDir = join(root, "tmp");
const homeDir = join(root, "home");
mkdirSync(tempDir);
mkdirSync(homeDir);
// tsx keeps its compile cache in <TMPDIR>/tsx-<uid or user name>: the tool's, not a test's.
const TSX_CACHE = `tsx-${process.geteuid ? process.geteuid() : userInfo().username}`;

/** Entries under `dir` (relative, folders with a trailing `/`), at most `limit` of them. */
function listing(dir, limit, rel = "", out = []) {
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    if (out.length >= limit) break;
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      out.push(`${path}/`);
      listing(dir, limit, path, out);
    } else out.push(path);
  }
  return out;
}

/** What the run left in its temp folder and home, as lines for the report. */
function leftovers() {
  const lines = [];
  for (const [label, dir, ignore] of [
    ["TMPDIR", tempDir, new Set([TSX_CACHE])],
    ["HOME", homeDir, new Set()],
  ]) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (ignore.has(entry.name)) continue;
      const folder = entry.isDirectory();
      const inside = folder ? listing(join(dir, entry.name), 6) : [];
      lines.push(`  ${label}/${entry.name}${folder ? "/" : ""}`);
      for (const path of inside.slice(0, 5)) lines.push(`    ${path}`);
      if (inside.length > 5) lines.push("    ...");
    }
  }
  return lines;
}

const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
  env: { ...process.env, TMPDIR: tempDir, HOME: homeDir },
});
// Ctrl-C reaches the whole process group; stay alive to clean up once the tests have stopped.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
const status = await new Promise((resolve) => {
  child.on("error", (error) => {
    console.error(`cannot start the test runner: ${error.message}`);
    resolve(1);
  });
  child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});

let exitCode = status;
try {
  const left = leftovers();
  if (left.length > 0) {
    console.error("\nThe tests left files behind (removed now); every test must remove what it creates:");
    for (const line of left) console.error(line);
    exitCode = exitCode || 1;
  }
} finally {
  try {
    rmSync(root, { recursive: true, force: true });
  } catch (error) {
    console.error(`cannot remove the test run's temp folder ${root}: ${error.message}`);
    exitCode = exitCode || 1;
  }
}
process.exit(exitCode);

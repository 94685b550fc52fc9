// Maintenance script, never run by the tests: (re)builds test/vectors/nvflare/ from a tree of
// reference artifacts that NVFlare's own CLI wrote (its layout is described in
// test/vectors/nvflare/CATALOGUE.md), then captures the golden data that stands in for the
// files that are not copied.
//
//   node scripts/import-reference-vectors.mjs --from <reference tree> [--to test/vectors/nvflare]
//
// What it does:
// 1. Copies every data file of the tree (zips, PEMs, keys, CSRs, JSON, YAML, captured
//    outputs, audit records) to --to, keeping relative paths. NVIDIA-written text is withheld:
//    the kits' shell scripts, readmes and notebook, the Dockerfile template, the
//    `builders/diffs/*.diff` files (they quote script text) and the local-demo smoke-test logs.
//    The tree's own MANIFEST.md is not copied (CATALOGUE.md, written by hand, describes the
//    vectors); CATALOGUE.md is kept.
// 2. Writes --to/file-modes.tsv: the reference modes of every copied file and folder (git keeps
//    only the x bit) and the empty folders git cannot keep.
// 3. Writes --to/golden/withheld-files.json: path, mode, size and SHA-256 of each withheld
//    file, so kit listings still compare complete file lists and modes.
// 4. Writes --to/golden/builders-diffs.json: size, SHA-256 and the file pairs of each diff.
// 5. Runs the reference kits' scripts in scratch copies with a fake `python3` (and for
//    docker.sh a fake `docker`) that records how it was called, and writes what they did to
//    --to/golden/kit-scripts.json (see `about`).
// 6. Writes --to/golden/dockerfiles.json: the instructions of each withheld Dockerfile.
// Needs bash and the reference tree's file-modes.tsv; writes nothing outside --to and a
// scratch folder it removes.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv) {
  const options = { from: undefined, to: join(REPO_ROOT, "test", "vectors", "nvflare") };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--from") options.from = argv[++i];
    else if (arg === "--to") options.to = argv[++i];
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!options.from)
    throw new Error("usage: import-reference-vectors.mjs --from <reference tree> [--to <dir>]");
  return { from: resolve(options.from), to: resolve(options.to) };
}

/** NVIDIA-written text: never copied into the repository. */
const WITHHELD = [
  /(^|\/)startup\/[^/]+\.sh$/,
  /(^|\/)readme\.txt$/,
  /(^|\/)system_info\.ipynb$/,
  /(^|\/)nvflare_compose\/Dockerfile$/,
  /^builders\/diffs\//,
  // Runtime logs of the local-demo smoke tests: NVFlare's log text, and in one a line of its
  // source quoted by a traceback. No test reads them; CATALOGUE.md states what they showed.
  /^local-demo\/[^/]+\/smoke-test\.txt$/,
];
/** The reference tree's own description and mode list: replaced by ours. */
const NOT_COPIED = new Set(["MANIFEST.md", "file-modes.tsv"]);

const isWithheld = (rel) => WITHHELD.some((re) => re.test(rel));
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** Rows of the reference's file-modes.tsv: `mode<TAB>type<TAB>path[<TAB>empty]`. */
function readModes(from) {
  return readFileSync(join(from, "file-modes.tsv"), "utf8")
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const [mode, type, path, note] = line.split("\t");
      return { mode, type, path, empty: note === "empty" };
    });
}

function walk(root, rel = "", out = []) {
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      out.push({ type: "d", path: `${path}/` });
      walk(root, path, out);
    } else if (entry.isFile()) out.push({ type: "f", path });
    else throw new Error(`unexpected entry type: ${path}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 1-4: data, modes, withheld files, diffs
// ---------------------------------------------------------------------------------------------

function importData(from, to) {
  const modes = readModes(from);
  const modeOf = new Map(modes.map((row) => [row.path, row]));
  // Start from an empty destination but keep the hand-written catalogue.
  if (existsSync(to)) {
    for (const name of readdirSync(to))
      if (name !== "CATALOGUE.md") rmSync(join(to, name), { recursive: true });
  }
  mkdirSync(to, { recursive: true });

  const withheld = [];
  const copiedDirs = new Set();
  for (const entry of walk(from)) {
    if (entry.type === "d" || NOT_COPIED.has(entry.path)) continue;
    const row = modeOf.get(entry.path);
    if (!row) throw new Error(`${entry.path} has no row in file-modes.tsv`);
    const bytes = readFileSync(join(from, entry.path));
    if (isWithheld(entry.path)) {
      withheld.push({ path: entry.path, mode: row.mode, size: bytes.length, sha256: sha256(bytes) });
      continue;
    }
    const dest = join(to, entry.path);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, bytes, { mode: 0o644 });
    chmodSync(dest, 0o644);
    for (let dir = dirname(entry.path); dir !== "."; dir = dirname(dir)) copiedDirs.add(`${dir}/`);
  }
  // Folders: those holding a copied file, and the empty ones the reference made.
  const rows = modes.filter((row) =>
    row.type === "f"
      ? !isWithheld(row.path) && !NOT_COPIED.has(row.path)
      : copiedDirs.has(row.path) || row.empty,
  );
  const header =
    "# mode\ttype\tpath\tnote   (type f=file d=dir; note 'empty' = empty directory that git cannot keep)";
  const lines = rows.map((row) => [row.mode, row.type, row.path, ...(row.empty ? ["empty"] : [])].join("\t"));
  writeFileSync(join(to, "file-modes.tsv"), `${[header, ...lines].join("\n")}\n`);

  mkdirSync(join(to, "golden"), { recursive: true });
  writeJson(join(to, "golden", "withheld-files.json"), {
    about:
      "Files of the reference tree that are NVIDIA-written text (kit scripts, readmes, the admin notebook, the Dockerfile template, builders/diffs, the local-demo smoke-test logs) and so are not copied here: path, octal mode, size in bytes and SHA-256 of the bytes the reference wrote.",
    files: withheld.sort((a, b) => (a.path < b.path ? -1 : 1)),
  });

  const diffs = withheld
    .filter((f) => f.path.startsWith("builders/diffs/"))
    .map((f) => {
      const text = readFileSync(join(from, f.path), "utf8");
      const pairs = [...text.matchAll(/^diff -ruN -x client\.crt -x client\.key (\S+) (\S+)$/gm)].map((m) => [
        m[1],
        m[2],
      ]);
      return { path: f.path, size: f.size, sha256: f.sha256, files: pairs };
    });
  writeJson(join(to, "golden", "dockerfiles.json"), {
    about:
      "The instructions of every DockerBuilder Dockerfile of the reference tree (NVIDIA's text, not copied): one [INSTRUCTION, arguments] pair per non-blank, non-comment line, the instruction upper-cased and the arguments with runs of blanks made one space.",
    files: Object.fromEntries(
      withheld
        .filter((f) => /(^|\/)nvflare_compose\/Dockerfile$/.test(f.path))
        .map((f) => [f.path, dockerfileInstructions(readFileSync(join(from, f.path), "utf8"))]),
    ),
  });
  writeJson(join(to, "golden", "builders-diffs.json"), {
    about:
      "The reference's `diff -ruN -x client.crt -x client.key` of builders/work/<variant>/workspace/hospital_federation/prod_00 trees against the default variant, with timestamps dropped from the ---/+++ lines: size and SHA-256 of the diff text, and the file pairs it compares (its `diff -ruN` lines), in order.",
    diffs,
  });
  return { modes, copied: rows.filter((r) => r.type === "f").length, withheld: withheld.length };
}

/** `[INSTRUCTION, arguments]` of each line of a Dockerfile without continuations. */
function dockerfileInstructions(text) {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [word, ...rest] = line.split(/\s+/);
      return [word.toUpperCase(), rest.join(" ")];
    });
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------------
// 5: the reference kits' scripts, observed with a fake python3
// ---------------------------------------------------------------------------------------------

// Records pid, cwd, PYTHONPATH, MALLOC_ARENA_MAX and argv, then sleeps or exits as told; the
// same double test/kit-scripts.test.ts runs our kits with.
const FAKE_PYTHON = `#!/usr/bin/env bash
record="\${FAKE_PY_RECORD:?}"
{
  printf 'pid\\t%s\\n' "$$"
  printf 'cwd\\t%s\\n' "$PWD"
  printf 'PYTHONPATH\\t%s\\n' "\${PYTHONPATH-<unset>}"
  printf 'MALLOC_ARENA_MAX\\t%s\\n' "\${MALLOC_ARENA_MAX-<unset>}"
  printf 'argv'
  printf '\\t%s' "$@"
  printf '\\n'
} > "$record.tmp.$$"
mv "$record.tmp.$$" "$record"
if [ -n "\${FAKE_PY_SLEEP:-}" ]; then exec sleep "$FAKE_PY_SLEEP"; fi
exit "\${FAKE_PY_EXIT:-0}"
`;

const HOSPITAL = "hospital/work/workspace/hospital_federation/prod_00";
const HOSPITAL_KITS = {
  server: `${HOSPITAL}/server1.hospital-central.org`,
  client: `${HOSPITAL}/hospital-a`,
  admin: `${HOSPITAL}/alice@hospital-alpha.org`,
};

// Records docker's cwd and argv, then exits 0; the same double test/kit-scripts.test.ts runs
// our docker.sh with.
const FAKE_DOCKER = `#!/usr/bin/env bash
{
  printf 'cwd\\t%s\\n' "$PWD"
  printf 'argv'
  printf '\\t%s' "$@"
  printf '\\n'
} > "\${FAKE_DOCKER_RECORD:?}"
`;

class Scratch {
  constructor(from, modes) {
    this.from = from;
    this.modes = modes;
    this.root = mkdtempSync(join(tmpdir(), "flare-vectors-"));
    this.bin = join(this.root, "bin");
    mkdirSync(this.bin);
    writeFileSync(join(this.bin, "python3"), FAKE_PYTHON, { mode: 0o755 });
    writeFileSync(join(this.bin, "docker"), FAKE_DOCKER, { mode: 0o755 });
    this.count = 0;
  }

  /** A fresh sandbox `<dir>/` holding a copy of the reference kit at `<dir>/kit`, modes restored. */
  sandbox(kitDir) {
    this.count += 1;
    const dir = join(this.root, `run-${this.count}`);
    const kit = join(dir, "kit");
    mkdirSync(kit, { recursive: true });
    for (const row of this.modes) {
      if (!row.path.startsWith(`${kitDir}/`)) continue;
      const rel = row.path.slice(kitDir.length + 1);
      const target = join(kit, rel);
      if (row.type === "d") mkdirSync(target, { recursive: true });
      else {
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(join(this.from, row.path), target);
      }
    }
    // Modes after the copy (folders last, so 0700 ones do not block their own files).
    const rows = this.modes.filter((row) => row.path.startsWith(`${kitDir}/`));
    for (const row of [...rows].sort((a, b) => b.path.length - a.path.length)) {
      chmodSync(join(kit, row.path.slice(kitDir.length + 1)), Number.parseInt(row.mode, 8));
    }
    return { dir, kit, ws: join(dir, "ws"), record: join(dir, "py.record") };
  }

  env(record, extra = {}) {
    return {
      PATH: `${this.bin}:/usr/bin:/bin`,
      HOME: this.root,
      LANG: "C",
      FAKE_PY_RECORD: record,
      ...extra,
    };
  }

  cleanup() {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Replaces the sandbox paths with `<KIT>`, `<WS>` and `<DIR>` (longest first). */
function placeholders(box) {
  return (text) => text.split(box.kit).join("<KIT>").split(box.ws).join("<WS>").split(box.dir).join("<DIR>");
}

function readRecord(path, norm) {
  if (!existsSync(path)) return null;
  const fields = new Map();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line) continue;
    const [key, ...values] = line.split("\t");
    fields.set(key, values);
  }
  const value = (key) => fields.get(key)?.[0] ?? "";
  return {
    pid: Number(value("pid")),
    cwd: norm(value("cwd")),
    argv: (fields.get("argv") ?? []).map(norm),
    PYTHONPATH: value("PYTHONPATH"),
    MALLOC_ARENA_MAX: value("MALLOC_ARENA_MAX"),
  };
}

/** Every entry under `dir` as `path -> "type mode [target]"` (folders end in `/`). */
function tree(dir, norm, rel = "", out = new Map()) {
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(dir, path));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out.set(path, { type: "l", mode, target: norm(readlinkSync(join(dir, path))) });
    else if (st.isDirectory()) {
      out.set(`${path}/`, { type: "d", mode });
      tree(dir, norm, path, out);
    } else out.set(path, { type: "f", mode, sha256: sha256(readFileSync(join(dir, path))) });
  }
  return out;
}

/** What a run added (A), removed (D) or changed (M) in the sandbox, the record file excluded. */
function changes(before, after) {
  const out = [];
  const describe = (change, path, e) => ({
    change,
    path,
    type: e.type,
    mode: e.mode,
    ...(e.target ? { target: e.target } : {}),
  });
  for (const [path, e] of after) {
    if (path.startsWith("py.record")) continue;
    const old = before.get(path);
    if (!old) out.push(describe("A", path, e));
    else if (JSON.stringify(old) !== JSON.stringify(e)) out.push(describe("M", path, e));
  }
  for (const [path, e] of before) if (!after.has(path)) out.push(describe("D", path, e));
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** One synchronous script run in a sandbox: status, checked stdout lines, record, changes. */
function observe(scratch, kitDir, spec) {
  const box = scratch.sandbox(kitDir);
  const norm = placeholders(box);
  spec.prepare?.(box);
  const before = tree(box.dir, norm);
  const env = scratch.env(box.record, spec.env ? spec.env(box) : {});
  const run = spawnSync(join(box.kit, spec.script), spec.args, {
    cwd: box.dir,
    env,
    input: spec.input ?? "",
    encoding: "utf8",
    timeout: 15_000,
  });
  if (run.error) throw run.error;
  const record = readRecord(box.record, norm);
  if (record) delete record.pid;
  const lines = run.stdout.split("\n").filter((line) => line !== "");
  const after = tree(box.dir, norm);
  return {
    kit: kitDir,
    script: spec.script,
    args: spec.args,
    env: spec.env ? Object.fromEntries(Object.entries(spec.env(box)).map(([k, v]) => [k, norm(v)])) : {},
    ...(spec.input === undefined ? {} : { stdin: spec.input }),
    status: run.status,
    stdoutLines: lines.filter((line) => spec.stdout(line)).map(norm),
    ...(spec.lastLine ? { stdoutLastLine: norm(lines.at(-1) ?? "") } : {}),
    record,
    changes: changes(before, after),
    after: [...after]
      .filter(([path]) => !path.startsWith("py.record"))
      .map(([path, e]) => `${e.type} ${e.mode} ${path}${e.target ? ` -> ${e.target}` : ""}`),
  };
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check, ms) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await delay(100);
  }
  return true;
}

/**
 * `start.sh` of the client kit with a runtime that sleeps 2 s: start.sh must return at once,
 * its sub_start.sh supervisor must start the runtime, and end once the runtime exited with
 * shutdown.fl present. The limits are those test/kit-scripts.test.ts applies to our kit.
 */
async function observeSupervisor(scratch, kitDir) {
  const box = scratch.sandbox(kitDir);
  const norm = placeholders(box);
  const logPath = join(box.dir, "start.log");
  const log = openSync(logPath, "w");
  const pids = [];
  try {
    const child = spawn(join(box.kit, "startup/start.sh"), ["--ignored-arg"], {
      cwd: box.dir,
      env: scratch.env(box.record, { FAKE_PY_SLEEP: "2", PYTHONPATH: "/opt/site" }),
      stdio: ["ignore", log, log],
    });
    const status = await new Promise((done) => child.on("exit", (code) => done(code)));
    const daemonFile = join(box.kit, "daemon_pid.fl");
    const daemonPidFile = await waitFor(() => existsSync(daemonFile), 3_000);
    const supervisor = daemonPidFile ? Number(readFileSync(daemonFile, "utf8").trim()) : 0;
    if (supervisor) pids.push(supervisor);
    const started = await waitFor(() => existsSync(box.record), 9_000);
    const record = started ? readRecord(box.record, norm) : null;
    if (record) pids.push(record.pid);
    let pidFile = "absent";
    if (existsSync(join(box.kit, "pid.fl"))) {
      const recorded = Number(readFileSync(join(box.kit, "pid.fl"), "utf8").trim());
      pidFile =
        record && recorded === record.pid ? "runtime" : alive(recorded) ? "other live process" : "dead";
    }
    if (record) delete record.pid;
    writeFileSync(join(box.kit, "shutdown.fl"), "");
    const supervisorEnded = supervisor ? await waitFor(() => !alive(supervisor), 12_000) : false;
    const leftBehind = ["daemon_pid.fl", "pid.fl", "shutdown.fl", "restart.fl"].filter((f) =>
      existsSync(join(box.kit, f)),
    );
    const logLines = readFileSync(logPath, "utf8")
      .split("\n")
      .filter((line) => /Gracefully shutdown\./.test(line))
      .map(norm);
    return {
      kit: kitDir,
      script: "startup/start.sh",
      args: ["--ignored-arg"],
      env: { FAKE_PY_SLEEP: "2", PYTHONPATH: "/opt/site" },
      status,
      daemonPidFileWithin3s: daemonPidFile,
      runtimeStartedWithin9s: started,
      record,
      pidFile,
      supervisorEndedWithin12sOfShutdownFl: supervisorEnded,
      leftBehind,
      logLines,
    };
  } finally {
    closeSync(log);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
}

/**
 * `startup/docker.sh` of a kit under the fake docker: status and docker's cwd and argv, with
 * the kit as `<KIT>`, the sandbox as `<DIR>` and the caller's `uid:gid` as `<UID>:<GID>`.
 */
function observeDocker(scratch, kitDir, args, extraEnv) {
  const box = scratch.sandbox(kitDir);
  const norm = placeholders(box);
  const record = join(box.dir, "docker.record");
  const ids = `${process.getuid()}:${process.getgid()}`;
  const run = spawnSync(join(box.kit, "startup/docker.sh"), args, {
    cwd: box.dir,
    env: { ...scratch.env(box.record, extraEnv), FAKE_DOCKER_RECORD: record },
    encoding: "utf8",
    timeout: 15_000,
  });
  if (run.error) throw run.error;
  let docker = null;
  if (existsSync(record)) {
    const fields = new Map(
      readFileSync(record, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [key, ...values] = line.split("\t");
          return [key, values];
        }),
    );
    docker = {
      cwd: norm(fields.get("cwd")?.[0] ?? ""),
      argv: (fields.get("argv") ?? []).map((arg) => (arg === ids ? "<UID>:<GID>" : norm(arg))),
    };
  }
  return { kit: kitDir, script: "startup/docker.sh", args, env: extraEnv, status: run.status, docker };
}

/** Kits of the tree: folders `.../prod_NN/<name>` with a startup/ folder. */
function kitDirs(modes) {
  return modes
    .filter((row) => row.type === "d" && /\/prod_\d\d\/[^/]+\/startup\/$/.test(row.path))
    .map((row) => row.path.slice(0, -"/startup/".length))
    .sort();
}

async function captureScripts(from, to, modes) {
  const scratch = new Scratch(from, modes);
  try {
    const isWorkspaceLine = (line) => line.startsWith("WORKSPACE set to ");
    const runtime = {};
    for (const kit of kitDirs(modes)) {
      const admin = modes.some((row) => row.path === `${kit}/startup/fl_admin.sh`);
      const obs = observe(scratch, kit, {
        script: admin ? "startup/fl_admin.sh" : "startup/sub_start.sh",
        args: admin ? [] : ["--once"],
        stdout: () => false,
      });
      runtime[kit] = {
        script: obs.script,
        args: obs.args,
        status: obs.status,
        argv: obs.record?.argv ?? null,
      };
    }
    const scenarios = {
      "sub_start --once/server": observe(scratch, HOSPITAL_KITS.server, {
        script: "startup/sub_start.sh",
        args: ["--once"],
        env: () => ({ PYTHONPATH: "/opt/site" }),
        stdout: isWorkspaceLine,
      }),
      "sub_start --once/client": observe(scratch, HOSPITAL_KITS.client, {
        script: "startup/sub_start.sh",
        args: ["--once"],
        env: () => ({ PYTHONPATH: "/opt/site" }),
        stdout: isWorkspaceLine,
      }),
      "sub_start --once/client/NVFL_WORKSPACE": observe(scratch, HOSPITAL_KITS.client, {
        script: "startup/sub_start.sh",
        args: ["--once"],
        env: (box) => ({ NVFL_WORKSPACE: box.ws }),
        stdout: isWorkspaceLine,
      }),
      "fl_admin/admin/extra args": observe(scratch, HOSPITAL_KITS.admin, {
        script: "startup/fl_admin.sh",
        args: ["extra", "args"],
        env: () => ({ FAKE_PY_EXIT: "2" }),
        prepare: (box) => rmSync(join(box.kit, "transfer"), { recursive: true }),
        stdout: () => false,
      }),
      "stop_fl/client/y": observe(scratch, HOSPITAL_KITS.client, {
        script: "startup/stop_fl.sh",
        args: [],
        input: "y",
        stdout: () => false,
      }),
      "stop_fl/server/n": observe(scratch, HOSPITAL_KITS.server, {
        script: "startup/stop_fl.sh",
        args: [],
        input: "n",
        stdout: () => false,
        lastLine: true,
      }),
      "start.sh supervisor/client": await observeSupervisor(scratch, HOSPITAL_KITS.client),
    };
    // Every kit with a docker.sh (StaticFileBuilder docker_image): detached, interactive, and
    // detached with the variables the script reads.
    const docker = {};
    for (const kit of kitDirs(modes)) {
      if (!modes.some((row) => row.path === `${kit}/startup/docker.sh`)) continue;
      docker[`${kit} -d`] = observeDocker(scratch, kit, ["-d"], {});
      docker[kit] = observeDocker(scratch, kit, [], {});
      docker[`${kit} -d MY_DATA_DIR GPU2USE SVR_NAME`] = observeDocker(scratch, kit, ["-d"], {
        MY_DATA_DIR: "/srv/site-data",
        GPU2USE: "--gpus=all",
        SVR_NAME: "fl-main",
      });
    }
    writeJson(join(to, "golden", "kit-scripts.json"), {
      about: [
        "What the reference kits' scripts did when run by scripts/import-reference-vectors.mjs in scratch copies of the kits (modes restored), with a fake python3 first on PATH that records its cwd, argv, PYTHONPATH and MALLOC_ARENA_MAX and then exits with FAKE_PY_EXIT (default 0) or sleeps FAKE_PY_SLEEP seconds.",
        "Each run had a sandbox <DIR> holding the kit copy at <DIR>/kit (<KIT>) and, where NVFL_WORKSPACE is set, the workspace <DIR>/ws (<WS>); cwd was <DIR>, the environment PATH, HOME, LANG=C, FAKE_PY_RECORD and `env`.",
        "runtime: the launcher of every reference kit (sub_start.sh --once, or fl_admin.sh for admin kits) with no other variables: exit status and python3's argv.",
        "scenarios: status, the stdout lines the tests check (only those: `WORKSPACE set to` lines, and for stop_fl/server/n the last line), the python3 record (null when python3 did not run), the entries the run added (A), changed (M) or removed (D) under <DIR>, and every entry under <DIR> after the run as `type mode path[ -> link target]` (folders end in /; octal modes).",
        "The start.sh scenario ran start.sh in the background and then waited for the facts it names, within the limits in their names.",
        "docker: startup/docker.sh of every kit that has one, with a fake docker first on PATH that records its cwd and argv and exits 0 (docker: null when it never ran); paths as <KIT> and <DIR>, the caller's uid:gid as <UID>:<GID>; env lists the variables set besides the usual ones.",
      ],
      runtime,
      scenarios,
      docker,
    });
  } finally {
    scratch.cleanup();
  }
}

const { from, to } = parseArgs(process.argv.slice(2));
const check = spawnSync("bash", ["--version"], { encoding: "utf8" });
if (check.status !== 0) throw new Error("bash is needed to run the reference kits' scripts");
const { modes, copied, withheld } = importData(from, to);
await captureScripts(from, to, modes);
console.log(`copied ${copied} files to ${to}; withheld ${withheld}; golden data in ${join(to, "golden")}`);

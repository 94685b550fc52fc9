import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { buildKit } from "../src/core/kit/build-kit.ts";
import type { KitInput, KitTree } from "../src/core/kit/types.ts";
import { TEMP_ENV } from "./helpers/cli.ts";
import { makeTempDir } from "./helpers/fixtures.ts";
import { kitScriptsGolden, type ScriptChange, type ScriptScenario } from "./helpers/golden.ts";
import { kitInputFromRequestDir } from "./helpers/kit-inputs.ts";

// Runs our kit scripts (startup-kits.md §7) against a fake `python3` that records its cwd, argv
// and environment, and compares what they did with what the reference kits' scripts did under
// the same fake (test/vectors/nvflare/golden/kit-scripts.json, captured once from the
// reference kits by scripts/import-reference-vectors.mjs; the reference scripts are NVIDIA's
// text and are not in the repository): equal records prove that our own scripts launch the
// FLARE runtime exactly as the reference's do. The golden data is checked too, so a
// re-capture that changed the reference's behaviour fails here.

const HOSPITAL = "hospital/work/workspace/hospital_federation/prod_00";
const KITS = {
  server: {
    request: "hospital/work/server1.hospital-central.org",
    ref: `${HOSPITAL}/server1.hospital-central.org`,
  },
  client: { request: "hospital/work/hospital-a", ref: `${HOSPITAL}/hospital-a` },
  admin: { request: "hospital/work/alice@hospital-alpha.org", ref: `${HOSPITAL}/alice@hospital-alpha.org` },
} as const;
type KitName = keyof typeof KITS;
const GOLDEN = kitScriptsGolden().scenarios;

const FAKE_PYTHON = `#!/usr/bin/env bash
# Test double for python3: records how it was called, then sleeps or exits as told (the
# double scripts/import-reference-vectors.mjs ran the reference kits with).
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

interface PyRecord {
  pid: number;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
}

let temp: { dir: string; cleanup: () => void };
let binDir: string;
const startedPids: number[] = [];

before(() => {
  temp = makeTempDir("flare-kit-scripts-");
  binDir = join(temp.dir, "bin");
  mkdirSync(binDir);
  writeFileSync(join(binDir, "python3"), FAKE_PYTHON, { mode: 0o755 });
});

after(() => {
  for (const pid of startedPids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone, as expected when the test passed.
    }
  }
  temp.cleanup();
});

let counter = 0;
function freshDir(label: string): string {
  counter += 1;
  const dir = join(temp.dir, `${counter}-${label}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes a planned kit to `dest` with its exact modes. */
function writeTree(tree: KitTree, dest: string): string {
  for (const dir of tree.dirs) mkdirSync(join(dest, dir), { recursive: true });
  for (const [path, file] of tree.files) {
    mkdirSync(dirname(join(dest, path)), { recursive: true });
    writeFileSync(join(dest, path), file.bytes);
    chmodSync(join(dest, path), file.mode);
  }
  return dest;
}

function ourKit(name: KitName, dest: string, change: (input: KitInput) => KitInput = (i) => i): string {
  return writeTree(buildKit(change(kitInputFromRequestDir(KITS[name].request))), dest);
}

/** Our kit in a fresh sandbox of its own (`<sandbox>/kit`, the layout the golden runs had). */
function kitFor(name: KitName): string {
  return ourKit(name, join(freshDir(name), "kit"));
}

function baseEnv(record: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${binDir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: temp.dir,
    LANG: "C",
    ...TEMP_ENV,
    FAKE_PY_RECORD: record,
    ...extra,
  };
}

/** Runs a script with cwd = the sandbox (the kit's parent), as the golden runs had. */
function run(script: string, args: string[], env: Record<string, string>, input = "") {
  const cwd = dirname(dirname(dirname(script)));
  const result = spawnSync(script, args, { cwd, env, input, encoding: "utf8", timeout: 15_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function readRecord(path: string): PyRecord {
  const fields = new Map<string, string[]>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line) continue;
    const [key = "", ...values] = line.split("\t");
    fields.set(key, values);
  }
  const value = (key: string) => fields.get(key)?.[0] ?? "";
  return {
    pid: Number(value("pid")),
    cwd: value("cwd"),
    argv: fields.get("argv") ?? [],
    env: { PYTHONPATH: value("PYTHONPATH"), MALLOC_ARENA_MAX: value("MALLOC_ARENA_MAX") },
  };
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await delay(100);
  }
}

/** The argv with the kit (or workspace) root replaced by a placeholder, for comparisons. */
function normalize(argv: string[], root: string, placeholder: string): string[] {
  return argv.map((arg) => arg.split(root).join(placeholder));
}

/** Sandbox paths as the golden file writes them: `<KIT>`, `<WS>`, then `<DIR>`. */
function placeholders(dir: string): (text: string) => string {
  return (text) =>
    text.split(join(dir, "kit")).join("<KIT>").split(join(dir, "ws")).join("<WS>").split(dir).join("<DIR>");
}

interface Entry {
  type: "f" | "d" | "l";
  mode: string;
  sha256?: string;
  target?: string;
}

/** Every entry under a sandbox, the fake python3's record excluded (folders end in `/`). */
function sandboxTree(dir: string, rel = "", out = new Map<string, Entry>()): Map<string, Entry> {
  const norm = placeholders(dir);
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    if (!rel && (name.startsWith("py.record") || name === "rec" || name === "start.log")) continue;
    const st = lstatSync(join(dir, path));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out.set(path, { type: "l", mode, target: norm(readlinkSync(join(dir, path))) });
    else if (st.isDirectory()) {
      out.set(`${path}/`, { type: "d", mode });
      sandboxTree(dir, path, out);
    } else {
      const sha256 = createHash("sha256")
        .update(readFileSync(join(dir, path)))
        .digest("hex");
      out.set(path, { type: "f", mode, sha256 });
    }
  }
  return out;
}

/** What changed between two sandbox trees, in the golden file's form. */
function treeChanges(before: Map<string, Entry>, after: Map<string, Entry>): ScriptChange[] {
  const out: ScriptChange[] = [];
  const describe = (change: ScriptChange["change"], path: string, e: Entry): ScriptChange => ({
    change,
    path,
    type: e.type,
    mode: e.mode,
    ...(e.target ? { target: e.target } : {}),
  });
  for (const [path, e] of after) {
    const old = before.get(path);
    if (!old) out.push(describe("A", path, e));
    else if (JSON.stringify(old) !== JSON.stringify(e)) out.push(describe("M", path, e));
  }
  for (const [path, e] of before) if (!after.has(path)) out.push(describe("D", path, e));
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The after-run listing line of a sandbox entry, e.g. `d 755 kit/transfer/`. */
function hasEntry(golden: ScriptScenario, pattern: RegExp): boolean {
  return golden.after.some((line) => pattern.test(line));
}

const SERVER_ARGV = (ws: string) => [
  "-u",
  "-m",
  "nvflare.private.fed.app.server.server_train",
  "-m",
  ws,
  "-s",
  "fed_server.json",
  "--set",
  "secure_train=true",
  "org=hospital_central",
  "config_folder=",
];
const CLIENT_ARGV = (ws: string, configFolder = "") => [
  "-u",
  "-m",
  "nvflare.private.fed.app.client.client_train",
  "-m",
  ws,
  "-s",
  "fed_client.json",
  "--set",
  "secure_train=true",
  "uid=hospital-a",
  "org=hospital_alpha",
  `config_folder=${configFolder}`,
];

describe("sub_start.sh --once", () => {
  for (const [name, expected] of [
    ["server", SERVER_ARGV],
    ["client", CLIENT_ARGV],
  ] as const) {
    test(`runs the ${name} runtime in the foreground with the kit as workspace, like the reference`, () => {
      // The reference kit, as golden/kit-scripts.json captured it.
      const golden = GOLDEN[`sub_start --once/${name}`];
      assert.deepEqual(
        { kit: golden.kit, script: golden.script, args: golden.args, env: golden.env },
        {
          kit: KITS[name].ref,
          script: "startup/sub_start.sh",
          args: ["--once"],
          env: { PYTHONPATH: "/opt/site" },
        },
      );
      assert.equal(golden.status, 0, "reference");
      assert.ok(golden.stdoutLines.includes("WORKSPACE set to <KIT>"), "reference");
      assert.ok(hasEntry(golden, /^d \d+ kit\/transfer\/$/), "reference");
      assert.ok(golden.record, "reference: python3 ran");
      assert.deepEqual(golden.record.argv, expected("<KIT>"), "reference");
      assert.deepEqual(
        { PYTHONPATH: golden.record.PYTHONPATH, MALLOC_ARENA_MAX: golden.record.MALLOC_ARENA_MAX },
        { PYTHONPATH: "/local/custom:/opt/site", MALLOC_ARENA_MAX: "4" },
        "reference",
      );

      // Ours.
      const kit = kitFor(name);
      const dir = dirname(kit);
      const record = join(dir, "py.record");
      const before = sandboxTree(dir);
      const result = run(
        join(kit, "startup/sub_start.sh"),
        ["--once"],
        baseEnv(record, { PYTHONPATH: "/opt/site" }),
      );
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`WORKSPACE set to ${kit}\n`));
      assert.ok(statSync(join(kit, "transfer")).isDirectory());
      const rec = readRecord(record);
      assert.deepEqual(rec.argv, expected(kit), "ours");
      assert.deepEqual(rec.env, { PYTHONPATH: "/local/custom:/opt/site", MALLOC_ARENA_MAX: "4" }, "ours");

      // Ours did what the reference did.
      assert.deepEqual(normalize(rec.argv, kit, "<KIT>"), golden.record.argv);
      assert.equal(placeholders(dir)(rec.cwd), golden.record.cwd);
      assert.deepEqual(treeChanges(before, sandboxTree(dir)), golden.changes);
    });
  }

  test("exits with the runtime's status and clears stale pid, shutdown and restart files", () => {
    const kit = ourKit("client", join(freshDir("client"), "kit"));
    for (const file of ["pid.fl", "shutdown.fl", "restart.fl"]) writeFileSync(join(kit, file), "1\n");
    const result = run(
      join(kit, "startup/sub_start.sh"),
      ["--once"],
      baseEnv(join(kit, "..", "rec"), { FAKE_PY_EXIT: "3" }),
    );
    assert.equal(result.status, 3);
    for (const file of ["pid.fl", "shutdown.fl", "restart.fl"])
      assert.equal(existsSync(join(kit, file)), false, file);
  });

  test("adds no empty PYTHONPATH entry when PYTHONPATH was unset", () => {
    const kit = ourKit("client", join(freshDir("client"), "kit"));
    const record = join(kit, "..", "rec");
    run(join(kit, "startup/sub_start.sh"), ["--once"], baseEnv(record));
    assert.equal(readRecord(record).env.PYTHONPATH, "/local/custom");
  });

  test("runs from NVFL_WORKSPACE with a private copy of the kit, like the reference", () => {
    // The reference kit, as captured.
    const golden = GOLDEN["sub_start --once/client/NVFL_WORKSPACE"];
    assert.deepEqual(
      { kit: golden.kit, script: golden.script, args: golden.args, env: golden.env },
      {
        kit: KITS.client.ref,
        script: "startup/sub_start.sh",
        args: ["--once"],
        env: { NVFL_WORKSPACE: "<WS>" },
      },
    );
    assert.equal(golden.status, 0, "reference");
    assert.ok(golden.record, "reference: python3 ran");
    assert.deepEqual(golden.record.argv, CLIENT_ARGV("<WS>"), "reference");
    for (const entry of [
      /^f \d+ ws\/kit\/startup\/fed_client\.json$/,
      /^l \d+ ws\/startup -> <WS>\/kit\/startup$/,
      /^l \d+ ws\/local -> <WS>\/kit\/local$/,
      /^d \d+ ws\/transfer\/$/,
      /^d 700 ws\/$/,
      /^d 700 ws\/kit\/$/,
    ]) {
      assert.ok(hasEntry(golden, entry), `reference: ${entry}`);
    }

    // Ours.
    const kit = kitFor("client");
    const dir = dirname(kit);
    const ws = join(dir, "ws");
    const record = join(dir, "py.record");
    const before = sandboxTree(dir);
    const result = run(
      join(kit, "startup/sub_start.sh"),
      ["--once"],
      baseEnv(record, { NVFL_WORKSPACE: ws }),
    );
    assert.equal(result.status, 0, result.stderr);
    const rec = readRecord(record);
    assert.deepEqual(rec.argv, CLIENT_ARGV(ws), "ours");
    assert.ok(existsSync(join(ws, "kit/startup/fed_client.json")), "ours");
    assert.equal(readlinkSync(join(ws, "startup")), join(ws, "kit/startup"));
    assert.equal(readlinkSync(join(ws, "local")), join(ws, "kit/local"));
    assert.ok(lstatSync(join(ws, "transfer")).isDirectory());
    assert.equal(statSync(ws).mode & 0o777, 0o700);
    assert.equal(statSync(join(ws, "kit")).mode & 0o777, 0o700);

    // Ours did what the reference did: same argv and cwd, the same entries added.
    assert.deepEqual(normalize(rec.argv, ws, "<WS>"), golden.record.argv);
    assert.equal(placeholders(dir)(rec.cwd), golden.record.cwd);
    assert.deepEqual(treeChanges(before, sandboxTree(dir)), golden.changes);
  });

  test("refuses NVFL_WORKSPACE=/ without starting anything", () => {
    const kit = ourKit("server", join(freshDir("server"), "kit"));
    const record = join(kit, "..", "rec");
    const result = run(
      join(kit, "startup/sub_start.sh"),
      ["--once"],
      baseEnv(record, { NVFL_WORKSPACE: "/" }),
    );
    assert.equal(result.status, 1);
    assert.equal(result.stdout, "Invalid WORKSPACE: '/'\n");
    assert.equal(existsSync(record), false);
  });

  test("passes a StaticFileBuilder config_folder with shell metacharacters as one argument", () => {
    const kit = ourKit("client", join(freshDir("client"), "kit"), (input) => ({
      ...input,
      builders: [
        {
          path: "nvflare.lighter.impl.static_file.StaticFileBuilder",
          args: { config_folder: "my dir's $(x)" },
        },
      ],
    }));
    const record = join(kit, "..", "rec");
    assert.equal(run(join(kit, "startup/sub_start.sh"), ["--once"], baseEnv(record)).status, 0);
    assert.deepEqual(readRecord(record).argv, CLIENT_ARGV(kit, "my dir's $(x)"));
  });
});

describe("fl_admin.sh", () => {
  test("forwards all arguments to the admin console, like the reference", () => {
    const expected = (kit: string) => [
      "-m",
      "nvflare.fuel.hci.tools.admin",
      "-m",
      `${kit}/startup/..`,
      "-s",
      "fed_admin.json",
      "extra",
      "args",
    ];
    // The reference kit (its transfer/ removed first), as captured.
    const golden = GOLDEN["fl_admin/admin/extra args"];
    assert.deepEqual(
      { kit: golden.kit, script: golden.script, args: golden.args, env: golden.env },
      {
        kit: KITS.admin.ref,
        script: "startup/fl_admin.sh",
        args: ["extra", "args"],
        env: { FAKE_PY_EXIT: "2" },
      },
    );
    assert.equal(golden.status, 2, "reference");
    assert.ok(hasEntry(golden, /^d \d+ kit\/transfer\/$/), "reference");
    assert.ok(golden.record, "reference: python3 ran");
    assert.deepEqual(golden.record.argv, expected("<KIT>"), "reference");

    // Ours.
    const kit = kitFor("admin");
    const dir = dirname(kit);
    rmSync(join(kit, "transfer"), { recursive: true });
    const record = join(dir, "py.record");
    const before = sandboxTree(dir);
    const result = run(
      join(kit, "startup/fl_admin.sh"),
      ["extra", "args"],
      baseEnv(record, { FAKE_PY_EXIT: "2" }),
    );
    assert.equal(result.status, 2, "ours");
    assert.ok(statSync(join(kit, "transfer")).isDirectory(), "ours");
    const rec = readRecord(record);
    assert.deepEqual(rec.argv, expected(kit), "ours");

    // Ours did what the reference did.
    assert.deepEqual(normalize(rec.argv, kit, "<KIT>"), golden.record.argv);
    assert.equal(placeholders(dir)(rec.cwd), golden.record.cwd);
    assert.deepEqual(treeChanges(before, sandboxTree(dir)), golden.changes);
  });
});

/** Our stop_fl.sh answered `y` in a client kit and `n` in a server kit, observed. */
function ourStopRuns() {
  const observe = (name: KitName, answer: string) => {
    const kit = kitFor(name);
    const dir = dirname(kit);
    const before = sandboxTree(dir);
    const result = run(join(kit, "startup/stop_fl.sh"), [], baseEnv(join(dir, "rec")), answer);
    const lines = result.stdout.split("\n").filter((line) => line !== "");
    return {
      kit,
      result,
      status: result.status,
      lastLine: lines.at(-1),
      changes: treeChanges(before, sandboxTree(dir)),
      record: existsSync(join(dir, "rec")),
    };
  };
  return { yes: observe("client", "y"), no: observe("server", "n") };
}

describe("stop_fl.sh", () => {
  test("ours: creates shutdown.fl after 'y' and nothing after 'n'", () => {
    const { yes, no } = ourStopRuns();
    assert.equal(yes.status, 0);
    assert.ok(existsSync(join(yes.kit, "shutdown.fl")));
    assert.equal(no.status, 0);
    assert.match(no.result.stdout, /Not continue\n$/);
    assert.equal(existsSync(join(no.kit, "shutdown.fl")), false);
  });

  test("reference: creates shutdown.fl after 'y' and nothing after 'n', and ours does the same", () => {
    const yes = GOLDEN["stop_fl/client/y"];
    const no = GOLDEN["stop_fl/server/n"];
    assert.deepEqual([yes.kit, yes.script, yes.stdin], [KITS.client.ref, "startup/stop_fl.sh", "y"]);
    assert.deepEqual([no.kit, no.script, no.stdin], [KITS.server.ref, "startup/stop_fl.sh", "n"]);
    assert.equal(yes.status, 0);
    assert.ok(hasEntry(yes, /^f \d+ kit\/shutdown\.fl$/));
    assert.equal(no.status, 0);
    assert.equal(no.stdoutLastLine, "Not continue");
    assert.equal(hasEntry(no, /shutdown\.fl$/), false);

    const ours = ourStopRuns();
    for (const [label, mine, theirs] of [
      ["y", ours.yes, yes],
      ["n", ours.no, no],
    ] as const) {
      assert.equal(mine.status, theirs.status, label);
      assert.deepEqual(mine.changes, theirs.changes, label);
      assert.equal(mine.record, theirs.record !== null, `${label}: python3 ran`);
    }
    assert.equal(ours.no.lastLine, no.stdoutLastLine);
  });

  test("creates shutdown.fl in NVFL_WORKSPACE, creating the folder", () => {
    const kit = ourKit("client", join(freshDir("client"), "kit"));
    const ws = join(kit, "..", "elsewhere");
    const result = run(
      join(kit, "startup/stop_fl.sh"),
      [],
      baseEnv(join(kit, "..", "rec"), { NVFL_WORKSPACE: ws }),
      "Y",
    );
    assert.equal(result.status, 0);
    assert.ok(existsSync(join(ws, "shutdown.fl")));
  });
});

/**
 * Runs `start.sh` of a kit in the background (cwd = the kit's sandbox, as the golden run had)
 * and returns once start.sh itself has exited.
 */
async function startInBackground(kit: string, env: Record<string, string>): Promise<number | null> {
  const log = openSync(join(kit, "..", "start.log"), "w");
  try {
    const child = spawn(join(kit, "startup/start.sh"), ["--ignored-arg"], {
      cwd: dirname(kit),
      env,
      stdio: ["ignore", log, log],
    });
    return await new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  } finally {
    closeSync(log);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("start.sh and the sub_start.sh supervisor", { concurrency: true }, () => {
  const golden = GOLDEN["start.sh supervisor/client"];

  test("ours: start.sh returns at once; the supervisor starts the runtime and ends after it exits with shutdown.fl present", async () => {
    const kit = kitFor("client");
    const record = join(kit, "..", "py.record");
    const status = await startInBackground(
      kit,
      baseEnv(record, { FAKE_PY_SLEEP: "2", PYTHONPATH: "/opt/site" }),
    );
    assert.equal(status, 0);
    await waitFor(() => existsSync(join(kit, "daemon_pid.fl")), 3_000, "daemon_pid.fl");
    const supervisor = Number(readFileSync(join(kit, "daemon_pid.fl"), "utf8").trim());
    startedPids.push(supervisor);
    await waitFor(() => existsSync(record), 9_000, "the runtime to start");
    const rec = readRecord(record);
    startedPids.push(rec.pid);
    assert.deepEqual(rec.argv, CLIENT_ARGV(kit));
    // The same runtime invocation as the reference's supervisor made.
    assert.deepEqual(normalize(rec.argv, kit, "<KIT>"), golden.record?.argv);
    assert.equal(placeholders(dirname(kit))(rec.cwd), golden.record?.cwd);
    // Ours records the runtime itself; the reference records the bash subshell that runs it
    // (so its `kill -9` hits that wrapper, not the runtime): see the reference test below.
    assert.equal(Number(readFileSync(join(kit, "pid.fl"), "utf8").trim()), rec.pid);

    writeFileSync(join(kit, "shutdown.fl"), "");
    await waitFor(() => !alive(supervisor), 12_000, "the supervisor to end");
    for (const file of ["daemon_pid.fl", "pid.fl", "shutdown.fl", "restart.fl"]) {
      assert.equal(existsSync(join(kit, file)), false, `${file} left behind`);
    }
    assert.match(readFileSync(join(kit, "..", "start.log"), "utf8"), /Gracefully shutdown\./);
  });

  test("reference: start.sh returns at once; the supervisor starts the runtime and ends after it exits with shutdown.fl present", () => {
    // What the reference kit's start.sh did under the same fake python3 and time limits.
    assert.deepEqual(
      { kit: golden.kit, script: golden.script, args: golden.args, env: golden.env },
      {
        kit: KITS.client.ref,
        script: "startup/start.sh",
        args: ["--ignored-arg"],
        env: { FAKE_PY_SLEEP: "2", PYTHONPATH: "/opt/site" },
      },
    );
    assert.equal(golden.status, 0);
    assert.equal(golden.daemonPidFileWithin3s, true, "daemon_pid.fl");
    assert.equal(golden.runtimeStartedWithin9s, true, "the runtime started");
    assert.deepEqual(golden.record?.argv, CLIENT_ARGV("<KIT>"));
    // pid.fl held a live process other than the runtime (the subshell that runs it).
    assert.equal(golden.pidFile, "other live process");
    assert.equal(golden.supervisorEndedWithin12sOfShutdownFl, true, "the supervisor ended");
    assert.deepEqual(golden.leftBehind, [], "left behind");
    assert.ok(golden.logLines.some((line) => /Gracefully shutdown\./.test(line)));
  });

  test("ours: the supervisor kills a runtime that is still running when shutdown.fl appears", async () => {
    const kit = ourKit("server", join(freshDir("server"), "kit"));
    const record = join(kit, "..", "py.record");
    assert.equal(await startInBackground(kit, baseEnv(record, { FAKE_PY_SLEEP: "60" })), 0);
    await waitFor(() => existsSync(record), 9_000, "the runtime to start");
    const runtime = readRecord(record).pid;
    startedPids.push(runtime, Number(readFileSync(join(kit, "daemon_pid.fl"), "utf8").trim()));
    assert.deepEqual(readRecord(record).argv, SERVER_ARGV(kit));

    writeFileSync(join(kit, "shutdown.fl"), "");
    await waitFor(
      () => !existsSync(join(kit, "daemon_pid.fl")),
      14_000,
      "the supervisor to stop the runtime",
    );
    await waitFor(() => !alive(runtime), 2_000, "the runtime to die");
    assert.equal(existsSync(join(kit, "shutdown.fl")), false);
  });
});

// docker.sh (startup-kits.md §7.5) under a fake `docker` that records its cwd and argv, the
// double scripts/import-reference-vectors.mjs ran the reference's docker.sh with.
const FAKE_DOCKER = `#!/usr/bin/env bash
{
  printf 'cwd\\t%s\\n' "$PWD"
  printf 'argv'
  printf '\\t%s' "$@"
  printf '\\n'
} > "\${FAKE_DOCKER_RECORD:?}"
`;

describe("docker.sh", () => {
  const FULL = "builders/work/full/workspace/hospital_federation/prod_00/site-b";
  const dockerGolden = kitScriptsGolden().docker;
  const ids = `${process.getuid?.()}:${process.getgid?.()}`;

  /** Our docker.sh of a kit input, run in a fresh sandbox: status and docker's normalized record. */
  function runOurDocker(input: KitInput, args: string[], env: Record<string, string>) {
    const dir = freshDir("docker");
    const kit = writeTree(buildKit(input), join(dir, "kit"));
    writeFileSync(join(binDir, "docker"), FAKE_DOCKER, { mode: 0o755 });
    const record = join(dir, "docker.record");
    const result = run(join(kit, "startup/docker.sh"), args, {
      ...baseEnv(join(dir, "py.record"), env),
      FAKE_DOCKER_RECORD: record,
    });
    if (!existsSync(record)) return { status: result.status, docker: null, stderr: result.stderr };
    const norm = placeholders(dir);
    const fields = new Map(
      readFileSync(record, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [key = "", ...values] = line.split("\t");
          return [key, values] as const;
        }),
    );
    return {
      status: result.status,
      stderr: result.stderr,
      docker: {
        cwd: norm(fields.get("cwd")?.[0] ?? ""),
        argv: (fields.get("argv") ?? []).map((arg) => (arg === ids ? "<UID>:<GID>" : norm(arg))),
      },
    };
  }

  // The full-builders participant without the cloud builders, which are not rendered here.
  const fullInput = (): KitInput => {
    const input = kitInputFromRequestDir("builders/work/full/site-b");
    return {
      ...input,
      builders: (input.builders as { path: string }[]).filter((b) => !/aws|azure/.test(b.path)),
    };
  };

  for (const [key, label] of [
    [`${FULL} -d`, "detached: the client runtime through /bin/bash -c"],
    [FULL, "interactive: a shell in the same container"],
    [`${FULL} -d MY_DATA_DIR GPU2USE SVR_NAME`, "detached with MY_DATA_DIR and GPU2USE from the environment"],
  ] as const) {
    test(`client kit, ${label}: the reference's docker run, argument for argument`, () => {
      const golden = dockerGolden[key];
      assert.ok(golden, `golden/kit-scripts.json has docker["${key}"]`);
      assert.equal(golden.status, 0, "reference");
      assert.ok(golden.docker, "reference: docker ran");
      assert.equal(golden.docker.argv[0], "run", "reference");
      assert.ok(golden.docker.argv.includes("nvflare/nvflare:latest"), "reference: the image");

      const ours = runOurDocker(fullInput(), golden.args, golden.env);
      assert.equal(ours.status, golden.status, ours.stderr);
      assert.deepEqual(ours.docker, golden.docker);
    });
  }

  test("the reference's runs cover the data mount, the GPU option and the detached runtime", () => {
    const detached = dockerGolden[`${FULL} -d`]?.docker?.argv ?? [];
    assert.ok(detached.includes("/home/flclient/data:/data/:ro"));
    assert.match(detached.at(-1) ?? "", /^python -u -m nvflare\.private\.fed\.app\.client\.client_train /);
    const withEnv = dockerGolden[`${FULL} -d MY_DATA_DIR GPU2USE SVR_NAME`]?.docker?.argv ?? [];
    assert.ok(withEnv.includes("/srv/site-data:/data/:ro"));
    assert.ok(withEnv.includes("--gpus=all"));
  });

  // No reference kit has a server or admin docker.sh; these runs follow startup-kits.md §7.5.
  const withImage = (requestDir: string) => {
    const input = kitInputFromRequestDir(requestDir);
    return {
      ...input,
      builders: [
        {
          path: "nvflare.lighter.impl.static_file.StaticFileBuilder",
          args: { docker_image: "nvflare/nvflare:2.7" },
        },
      ],
    };
  };

  test("server kit: host network, container named by SVR_NAME else flserver, the server runtime when detached", () => {
    const mount = ["-v", "<KIT>/startup/..:/workspace/"];
    const detached = runOurDocker(withImage(KITS.server.request), ["-d"], { SVR_NAME: "fl-main" });
    assert.deepEqual(detached.docker?.argv, [
      "run",
      "-d",
      "--rm",
      "--name=fl-main",
      ...mount,
      "-w",
      "/workspace",
      "--ipc=host",
      "--net=host",
      "nvflare/nvflare:2.7",
      "/bin/bash",
      "-c",
      "python -u -m nvflare.private.fed.app.server.server_train -m /workspace -s fed_server.json --set secure_train=true config_folder=config org=hospital_central",
    ]);
    const shell = runOurDocker(withImage(KITS.server.request), [], {});
    assert.deepEqual(shell.docker?.argv, [
      "run",
      "--rm",
      "-it",
      "--name=flserver",
      ...mount,
      "-w",
      "/workspace/",
      "--ipc=host",
      "--net=host",
      "nvflare/nvflare:2.7",
      "/bin/bash",
    ]);
  });

  test("admin kit: an interactive shell with the kit at /workspace", () => {
    const shell = runOurDocker(withImage(KITS.admin.request), ["-d"], {});
    assert.deepEqual(shell.docker?.argv, [
      "run",
      "--rm",
      "-it",
      "--name=fladmin",
      "-v",
      "<KIT>/startup/..:/workspace/",
      "-w",
      "/workspace/",
      "nvflare/nvflare:2.7",
      "/bin/bash",
    ]);
  });

  test("a client name and org needing quotes stay one word each inside the container's command", () => {
    const input = { ...fullInput(), org: "org with space" };
    const ours = runOurDocker(input, ["-d"], {});
    assert.equal(ours.docker?.argv.at(-1)?.endsWith("config_folder=config 'org=org with space'"), true);
  });
});

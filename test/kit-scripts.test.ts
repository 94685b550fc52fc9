import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
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
import { fixtureModes, fixturePath, makeTempDir } from "./helpers/fixtures.ts";
import { kitInputFromRequestDir } from "./helpers/kit-inputs.ts";

// Runs the kit scripts (startup-kits.md §7) against a fake `python3` that records its argv and
// environment, for our kits and for copies of the reference kits: equal records prove that our
// own scripts launch the FLARE runtime exactly as the reference's do.

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

const FAKE_PYTHON = `#!/usr/bin/env bash
# Test double for python3: records how it was called, then sleeps or exits as told.
record="\${FAKE_PY_RECORD:?}"
{
  printf 'pid\\t%s\\n' "$$"
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

/** Copies a reference kit, restoring its modes and empty folders from file-modes.tsv. */
function referenceKit(name: KitName, dest: string): string {
  const kitDir = KITS[name].ref;
  cpSync(fixturePath(kitDir), dest, { recursive: true });
  for (const row of fixtureModes()) {
    if (!row.path.startsWith(`${kitDir}/`)) continue;
    const target = join(dest, row.path.slice(kitDir.length + 1));
    if (row.type === "d") mkdirSync(target, { recursive: true });
    chmodSync(target, row.mode);
  }
  return dest;
}

/** Our kit or a copy of the reference kit, in a fresh folder of its own (`<fresh>/kit`). */
function kitFor(which: "ours" | "reference", name: KitName): string {
  const dest = join(freshDir(name), "kit");
  return which === "ours" ? ourKit(name, dest) : referenceKit(name, dest);
}

function baseEnv(record: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${binDir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: temp.dir,
    LANG: "C",
    FAKE_PY_RECORD: record,
    ...extra,
  };
}

function run(script: string, args: string[], env: Record<string, string>, input = "") {
  const result = spawnSync(script, args, { env, input, encoding: "utf8", timeout: 15_000 });
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
      const records: string[][] = [];
      for (const which of ["ours", "reference"] as const) {
        const kit = kitFor(which, name);
        const record = join(kit, "..", "py.record");
        const result = run(
          join(kit, "startup/sub_start.sh"),
          ["--once"],
          baseEnv(record, { PYTHONPATH: "/opt/site" }),
        );
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`WORKSPACE set to ${kit}\n`));
        assert.ok(statSync(join(kit, "transfer")).isDirectory());
        const rec = readRecord(record);
        assert.deepEqual(rec.argv, expected(kit), which);
        assert.deepEqual(rec.env, { PYTHONPATH: "/local/custom:/opt/site", MALLOC_ARENA_MAX: "4" }, which);
        records.push(normalize(rec.argv, kit, "<KIT>"));
      }
      assert.deepEqual(records[0], records[1]);
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
    const records: string[][] = [];
    for (const which of ["ours", "reference"] as const) {
      const base = freshDir("client");
      const kit =
        which === "ours"
          ? ourKit("client", join(base, "kit-src"))
          : referenceKit("client", join(base, "kit-src"));
      const ws = join(base, "ws");
      const record = join(base, "py.record");
      const result = run(
        join(kit, "startup/sub_start.sh"),
        ["--once"],
        baseEnv(record, { NVFL_WORKSPACE: ws }),
      );
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(readRecord(record).argv, CLIENT_ARGV(ws), which);
      assert.ok(existsSync(join(ws, "kit/startup/fed_client.json")), which);
      assert.equal(readlinkSync(join(ws, "startup")), join(ws, "kit/startup"));
      assert.equal(readlinkSync(join(ws, "local")), join(ws, "kit/local"));
      assert.ok(lstatSync(join(ws, "transfer")).isDirectory());
      assert.equal(statSync(ws).mode & 0o777, 0o700);
      assert.equal(statSync(join(ws, "kit")).mode & 0o777, 0o700);
      records.push(normalize(readRecord(record).argv, ws, "<WS>"));
    }
    assert.deepEqual(records[0], records[1]);
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
    const records: string[][] = [];
    for (const which of ["ours", "reference"] as const) {
      const kit = kitFor(which, "admin");
      rmSync(join(kit, "transfer"), { recursive: true });
      const record = join(kit, "..", "py.record");
      const result = run(
        join(kit, "startup/fl_admin.sh"),
        ["extra", "args"],
        baseEnv(record, { FAKE_PY_EXIT: "2" }),
      );
      assert.equal(result.status, 2, which);
      assert.ok(statSync(join(kit, "transfer")).isDirectory(), which);
      const { argv } = readRecord(record);
      assert.deepEqual(
        argv,
        [
          "-m",
          "nvflare.fuel.hci.tools.admin",
          "-m",
          `${kit}/startup/..`,
          "-s",
          "fed_admin.json",
          "extra",
          "args",
        ],
        which,
      );
      records.push(normalize(argv, kit, "<KIT>"));
    }
    assert.deepEqual(records[0], records[1]);
  });
});

describe("stop_fl.sh", () => {
  for (const which of ["ours", "reference"] as const) {
    test(`${which}: creates shutdown.fl after 'y' and nothing after 'n'`, () => {
      const make = which === "ours" ? ourKit : referenceKit;
      const yes = make("client", join(freshDir("client"), "kit"));
      const answeredYes = run(join(yes, "startup/stop_fl.sh"), [], baseEnv(join(yes, "..", "rec")), "y");
      assert.equal(answeredYes.status, 0);
      assert.ok(existsSync(join(yes, "shutdown.fl")));

      const no = make("server", join(freshDir("server"), "kit"));
      const answeredNo = run(join(no, "startup/stop_fl.sh"), [], baseEnv(join(no, "..", "rec")), "n");
      assert.equal(answeredNo.status, 0);
      assert.match(answeredNo.stdout, /Not continue\n$/);
      assert.equal(existsSync(join(no, "shutdown.fl")), false);
    });
  }

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

/** Runs `start.sh` of a kit in the background and returns once start.sh itself has exited. */
async function startInBackground(kit: string, env: Record<string, string>): Promise<number | null> {
  const log = openSync(join(kit, "..", "start.log"), "w");
  try {
    const child = spawn(join(kit, "startup/start.sh"), ["--ignored-arg"], {
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
  for (const which of ["ours", "reference"] as const) {
    test(`${which}: start.sh returns at once; the supervisor starts the runtime and ends after it exits with shutdown.fl present`, async () => {
      const kit = kitFor(which, "client");
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
      const recorded = Number(readFileSync(join(kit, "pid.fl"), "utf8").trim());
      // Ours records the runtime itself; the reference records the bash subshell that runs it
      // (so its `kill -9` hits that wrapper, not the runtime).
      if (which === "ours") assert.equal(recorded, rec.pid);
      else assert.ok(alive(recorded));

      writeFileSync(join(kit, "shutdown.fl"), "");
      await waitFor(() => !alive(supervisor), 12_000, "the supervisor to end");
      for (const file of ["daemon_pid.fl", "pid.fl", "shutdown.fl", "restart.fl"]) {
        assert.equal(existsSync(join(kit, file)), false, `${file} left behind`);
      }
      assert.match(readFileSync(join(kit, "..", "start.log"), "utf8"), /Gracefully shutdown\./);
    });
  }

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

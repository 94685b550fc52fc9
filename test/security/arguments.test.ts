import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { displayName } from "../../src/cli/command-spec.ts";
import { COMMANDS } from "../../src/cli/commands/index.ts";
import { isFlareError } from "../../src/core/errors/flare-error.ts";
import { expandRequestZips } from "../../src/node/approve-batch.ts";
import { CLI } from "../helpers/cli.ts";
import {
  approvedWorld,
  hasStackTrace,
  runAsync,
  SITE,
  snapshot,
  snapshotDiff,
  type World,
} from "./helpers/harness.ts";

// Path arguments (docs/security.md "Arguments"): an empty or whitespace-only value is never a
// path, whatever the option (Node would resolve "" to the current folder: `cert approve "$REQ"`
// with REQ unset approved every request zip there); a path Node could only decode with U+FFFD
// replacement characters is refused instead of being written somewhere else; a clock override
// must be a real calendar instant. Every refusal is INVALID_ARGS (exit 4) and writes nothing.

let world: World;

before(async () => {
  world = await approvedWorld("flare-args-");
  // A folder of request zips, the cwd of `cert approve ""`.
  mkdirSync(join(world.work, "inbox"));
  copyFileSync(
    join(world.work, SITE, `${SITE}.request.zip`),
    join(world.work, "inbox", `${SITE}.request.zip`),
  );
});
after(() => world.cleanup());

/** Valid values for every path argument, by command; the one under test is replaced. */
const VALID: Record<string, [token: string, value: string][]> = {
  "cert init": [
    ["--profile", "project_profile.yaml"],
    ["-o", "ca2"],
    ["--passphrase-file", "pass.txt"],
  ],
  "cert request": [
    ["-p", "hospital-b.yaml"],
    ["--out", "req2"],
  ],
  "cert approve": [
    ["request_zip", `${SITE}/${SITE}.request.zip`],
    ["-c", "ca"],
    ["--profile", "project_profile.yaml"],
    ["--out", "out.signed.zip"],
    ["--roster", "roster.yaml"],
    ["--passphrase-file", "pass.txt"],
  ],
  "cert key encrypt": [
    ["-c", "ca"],
    ["--passphrase-file", "pass.txt"],
  ],
  "cert key decrypt": [
    ["-c", "ca"],
    ["--passphrase-file", "pass.txt"],
  ],
  "cert inspect": [["path", "ca"]],
  "cert list": [["-c", "ca"]],
  "cert revoke": [
    ["-c", "ca"],
    ["--passphrase-file", "pass.txt"],
  ],
  "cert ledger verify": [["-c", "ca"]],
  "kit crl install": [
    ["crl", "ca/crl.pem"],
    ["kit_dir", "kit"],
  ],
  package: [
    ["input", `${SITE}/${SITE}.signed.zip`],
    ["-w", "ws"],
    ["--request-dir", SITE],
    ["--python", "python3"],
    ["--crl", "ca/crl.pem"],
  ],
};

/** Every path argument of every command, as its messages name it (pinned: a new one needs a row). */
const PATH_ARGS = [
  "cert init --profile",
  "cert init -o/--output-dir",
  "cert init --passphrase-file",
  "cert request -p/--participant",
  "cert request --out",
  "cert approve request_zip",
  "cert approve -c/--ca-dir",
  "cert approve --profile",
  "cert approve --out",
  "cert approve --roster",
  "cert approve --passphrase-file",
  "cert key encrypt -c/--ca-dir",
  "cert key encrypt --passphrase-file",
  "cert key decrypt -c/--ca-dir",
  "cert key decrypt --passphrase-file",
  "cert inspect path",
  "cert list -c/--ca-dir",
  "cert revoke -c/--ca-dir",
  "cert revoke --passphrase-file",
  "cert ledger verify -c/--ca-dir",
  "package --crl",
  "package input",
  "package -w/--workspace",
  "package --request-dir",
  "package --python",
  "kit crl install crl",
  "kit crl install kit_dir",
];

function tokenOf(command: string, arg: string): string {
  const row = VALID[command]?.find(([token]) => arg === token || arg.split("/").includes(token));
  assert.ok(row, `no VALID row for ${command} ${arg}`);
  return row[0];
}

/** argv of `command` with every path valid except `arg`, which is `value`. */
function argvWith(command: string, arg: string, value: string): string[] {
  const replaced = tokenOf(command, arg);
  const argv = command.split(" ");
  for (const [token, valid] of VALID[command] ?? []) {
    const v = token === replaced ? value : valid;
    if (token.startsWith("-")) argv.push(token, v);
    else argv.push(v);
  }
  return argv;
}

const json = (args: string[], cwd = world.work) =>
  runAsync(["--format", "json", ...args], { cwd, home: world.home });

test("the table covers every path argument of every command", () => {
  const found = COMMANDS.flatMap((spec) =>
    spec.args.filter((a) => a.type === "path").map((a) => `${spec.words.join(" ")} ${displayName(a)}`),
  );
  assert.deepEqual(found.sort(), [...PATH_ARGS].sort());
});

describe("an empty or whitespace-only path is INVALID_ARGS naming the argument", { concurrency: 2 }, () => {
  const values: [string, string, string][] = [
    ["empty", "", "expected a path, got an empty string"],
    ["whitespace-only", " \t", "expected a path, got only whitespace (' \t')"],
  ];
  for (const entry of PATH_ARGS) {
    const command = Object.keys(VALID).find((words) => entry.startsWith(`${words} `)) ?? "";
    const arg = entry.slice(command.length + 1);
    for (const [label, value, reason] of values) {
      test(`${command} ${arg} ${label}`, async () => {
        const before = snapshot(world.root);
        const run = await json(argvWith(command, arg, value));
        assert.equal(run.code, 4, run.stdout + run.stderr);
        assert.equal(run.json?.error_code, "INVALID_ARGS");
        assert.equal(run.json?.message, `argument ${arg}: ${reason}`);
        assert.deepEqual(snapshotDiff(before, snapshot(world.root)), [], "something was written");
      });
    }
  }

  test('cert approve "" in a folder of request zips approves nothing (text mode)', async () => {
    const inbox = join(world.work, "inbox");
    const before = snapshot(world.root);
    const run = await runAsync(
      ["cert", "approve", "", "-c", "../ca", "--profile", "../project_profile.yaml"],
      {
        cwd: inbox,
        home: world.home,
      },
    );
    assert.equal(run.code, 4, run.stdout + run.stderr);
    const lines = run.stderr.trimEnd().split("\n");
    assert.deepEqual(lines.slice(-3), [
      "Invalid arguments. \u2014 argument request_zip: expected a path, got an empty string",
      "Hint: Run with -h for usage.",
      "Code: INVALID_ARGS (exit 4)",
    ]);
    assert.ok(!hasStackTrace(run.stderr));
    assert.deepEqual(readdirSync(inbox), [`${SITE}.request.zip`]);
    assert.deepEqual(snapshotDiff(before, snapshot(world.root)), [], "something was written");
  });

  test("the --opt= spelling is checked too: cert init --output-dir= writes no CA into the current folder", async () => {
    const before = snapshot(world.root);
    const run = await json(["cert", "init", "--profile", "project_profile.yaml", "--output-dir="]);
    assert.equal(run.code, 4, run.stdout);
    assert.equal(run.json?.message, "argument -o/--output-dir: expected a path, got an empty string");
    assert.deepEqual(snapshotDiff(before, snapshot(world.root)), [], "something was written");
  });

  test("the library refuses an empty request zip argument too (never the current folder)", () => {
    for (const given of ["", "  "]) {
      assert.throws(
        () => expandRequestZips([given], join(world.work, "inbox")),
        (error: unknown) =>
          isFlareError(error, "INVALID_ARGS") &&
          error.message ===
            "Invalid arguments. \u2014 REQUEST_ZIP must name a request zip or a folder, not an empty string",
      );
    }
  });
});

/** Runs the CLI with one raw argument byte string through sh, as a shell would pass it. */
function runWithRawArg(
  args: string[],
  rawIndex: number,
  octal: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  // Node's spawn turns a Buffer argument into a UTF-8 string first, so the raw bytes go through
  // printf: the CLI then receives exactly those bytes in argv, as from a Latin-1 file name.
  const quoted = args.map((a, i) => (i === rawIndex ? `"$(printf '${octal}')"` : `'${a}'`)).join(" ");
  const child = spawn("sh", ["-c", `exec "$0" "$1" ${quoted}`, process.execPath, CLI], {
    cwd: world.work,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: world.home, LANG: "C.UTF-8" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

describe("a path that is not valid UTF-8 is refused, not written elsewhere", { concurrency: 2 }, () => {
  const reason =
    "the path is not valid UTF-8 (it holds U+FFFD, which replaces undecodable bytes); rename the file or folder to a UTF-8 name";
  const cases: [string, string[], number, string][] = [
    [
      "cert init -o ca<0xff>",
      ["--format", "json", "cert", "init", "--profile", "project_profile.yaml", "-o", ""],
      7,
      "ca\\377",
    ],
    [
      "cert request --out req<0xe9>",
      ["--format", "json", "cert", "request", "-p", "hospital-b.yaml", "--out", ""],
      7,
      "req\\351",
    ],
    [
      "package -w ws<0xc3> (a truncated UTF-8 sequence)",
      ["--format", "json", "package", `${SITE}/${SITE}.signed.zip`, "--request-dir", SITE, "-w", ""],
      7,
      "ws\\303",
    ],
  ];
  for (const [label, args, index, octal] of cases) {
    test(label, async () => {
      const before = snapshot(world.root);
      const run = await runWithRawArg(args, index, octal);
      assert.equal(run.code, 4, run.stdout + run.stderr);
      const envelope = JSON.parse(run.stdout);
      assert.equal(envelope.error_code, "INVALID_ARGS");
      const flag = args[index - 1] as string;
      const name = flag === "-o" ? "-o/--output-dir" : flag === "-w" ? "-w/--workspace" : flag;
      assert.equal(envelope.message, `argument ${name}: ${reason}`);
      assert.deepEqual(snapshotDiff(before, snapshot(world.root)), [], "something was written");
    });
  }

  test("a U+FFFD typed as such is refused the same way (it cannot be told apart)", async () => {
    const before = snapshot(world.root);
    const run = await json(["cert", "init", "--profile", "project_profile.yaml", "-o", "ca\uFFFD"]);
    assert.equal(run.code, 4, run.stdout);
    assert.equal(run.json?.message, `argument -o/--output-dir: ${reason}`);
    assert.deepEqual(snapshotDiff(before, snapshot(world.root)), [], "something was written");
  });
});

describe("FLARE_PROVISION_NOW must be a real calendar date and time", { concurrency: 2 }, () => {
  for (const value of [
    "2026-02-30T00:00:00Z",
    "2025-02-29T12:00:00Z",
    "2026-04-31T08:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T12:60:00Z",
    "2026-01-01T12:00:60Z",
  ]) {
    test(`${value} is refused before anything is written`, async () => {
      const before = snapshot(world.root);
      const run = await runAsync(
        ["--format", "json", "cert", "init", "--profile", "project_profile.yaml", "-o", "ca3"],
        {
          cwd: world.work,
          home: world.home,
          env: { FLARE_PROVISION_NOW: value },
        },
      );
      assert.equal(run.code, 4, run.stdout + run.stderr);
      assert.equal(run.json?.error_code, "INVALID_ARGS");
      assert.equal(
        run.json?.message,
        `Invalid arguments. \u2014 FLARE_PROVISION_NOW must be a UTC timestamp such as 2026-11-27T15:30:00Z, not '${value}'`,
      );
      assert.deepEqual(snapshotDiff(before, snapshot(world.root)), [], "something was written");
    });
  }

  test("a real leap day is accepted", async () => {
    const run = await runAsync(["--format", "json", "cert", "inspect", "ca"], {
      cwd: world.work,
      home: world.home,
      env: { FLARE_PROVISION_NOW: "2028-02-29T12:00:00Z" },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });
});

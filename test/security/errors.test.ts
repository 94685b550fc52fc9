import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CLI, TEMP_ENV } from "../helpers/cli.ts";
import {
  approvedWorld,
  BUG_HOOK,
  hasControlCharacters,
  hasStackTrace,
  put,
  runAsync,
  SITE,
  type World,
} from "./helpers/harness.ts";

// Errors for humans and scripts (cli.md §4, §7): a user mistake is never a stack trace; text
// mode gives `<message>` / `Hint:` / `Code:` on stderr; `--format json` gives exactly one
// envelope on stdout whatever went wrong, argument errors included; an unexpected failure is
// one INTERNAL_ERROR message line with exit 5. Inputs that are folders or FIFOs where a file
// belongs (the tests run as root, so chmod 000 cannot make anything unreadable) fail cleanly
// and never hang.

let world: World;

before(async () => {
  world = await approvedWorld("flare-errors-");
  mkdirSync(join(world.work, "a-folder"));
  execFileSync("mkfifo", [join(world.work, "a-fifo")]);
  execFileSync("mkfifo", [join(world.work, "fifo.signed.zip")]);
  mkdirSync(join(world.work, "folder.signed.zip"));
  mkdirSync(join(world.work, "folder.request.zip"));
});
after(() => world.cleanup());

const approve = [
  "cert",
  "approve",
  `${SITE}/${SITE}.request.zip`,
  "-c",
  "ca",
  "--profile",
  "project_profile.yaml",
];
const pack = ["package", `${SITE}/${SITE}.signed.zip`, "--request-dir", SITE];

/**
 * Every user mistake here, with the code (and exit) it must give. A bare `nvflare` is none: it
 * prints the help and exits 0, as the reference does (test/e2e/cli-surface.test.ts).
 */
const MISTAKES: [string, string[], string, number][] = [
  ["an unknown command", ["certs"], "INVALID_ARGS", 4],
  ["cert without a subcommand", ["cert"], "INVALID_ARGS", 4],
  ["an unknown cert subcommand", ["cert", "sign"], "INVALID_ARGS", 4],
  ["an unknown option", ["cert", "init", "--bogus"], "INVALID_ARGS", 4],
  ["an ambiguous option prefix", ["package", "x.signed.zip", "--f", "x"], "INVALID_ARGS", 4],
  [
    "a non-numeric --valid-days",
    ["cert", "init", "--profile", "p", "-o", "o", "--valid-days", "ten"],
    "INVALID_ARGS",
    4,
  ],
  ["--valid-days 0", [...approve, "--valid-days", "0"], "INVALID_ARGS", 4],
  [
    "a three-digit --deploy-version",
    ["cert", "init", "--profile", "p", "-o", "o", "--deploy-version", "100"],
    "INVALID_ARGS",
    4,
  ],
  ["cert init without --profile", ["cert", "init", "-o", "ca2"], "INVALID_ARGS", 4],
  ["cert request without -p", ["cert", "request"], "INVALID_ARGS", 4],
  [
    "cert approve without --ca-dir",
    ["cert", "approve", "x.request.zip", "--profile", "p"],
    "INVALID_ARGS",
    4,
  ],
  ["package without input", ["package"], "INVALID_ARGS", 4],
  ["an option missing its value", ["package", "x.signed.zip", "-w"], "INVALID_ARGS", 4],
  ["--format jsonl", ["--format", "jsonl", "package", "x.signed.zip"], "INVALID_ARGS", 4],
  ["a missing profile", ["cert", "init", "--profile", "nope.yaml", "-o", "ca2"], "INVALID_ARGS", 4],
  ["a missing participant file", ["cert", "request", "-p", "nope.yaml"], "INVALID_ARGS", 4],
  [
    "a missing request zip",
    ["cert", "approve", "nope.request.zip", "-c", "ca", "--profile", "project_profile.yaml"],
    "REQUEST_ZIP_NOT_FOUND",
    1,
  ],
  [
    "a missing CA folder",
    [...approve.slice(0, 3), "-c", "nope", "--profile", "project_profile.yaml"],
    "CA_NOT_FOUND",
    1,
  ],
  ["a missing signed zip", ["package", "nope.signed.zip"], "SIGNED_ZIP_NOT_FOUND", 1],
  ["a package input that is not a signed zip", ["package", "project_profile.yaml"], "INVALID_ARGS", 4],
  ["an invalid --fingerprint", [...pack, "--fingerprint", "SHA256:zz"], "INVALID_ROOTCA_FINGERPRINT", 4],
  ["-w pointing at a file", [...pack, "-w", "server.yaml"], "OUTPUT_DIR_NOT_WRITABLE", 1],
  ["-w below a file", [...pack, "-w", "server.yaml/ws"], "OUTPUT_DIR_NOT_WRITABLE", 1],
  [
    "-o pointing at a file",
    ["cert", "init", "--profile", "project_profile.yaml", "-o", "server.yaml"],
    "OUTPUT_DIR_NOT_WRITABLE",
    1,
  ],
  [
    "--out pointing at a file",
    ["cert", "request", "-p", "hospital-b.yaml", "--out", "server.yaml"],
    "INVALID_ARGS",
    4,
  ],
  ["approve --out pointing at a folder", [...approve, "--out", "a-folder", "--force"], "INVALID_ARGS", 4],
  [
    "approve --out pointing at a FIFO, even with --force",
    [...approve, "--out", "a-fifo", "--force"],
    "INVALID_ARGS",
    4,
  ],
  ["a profile that is a folder", ["cert", "init", "--profile", "a-folder", "-o", "ca2"], "INVALID_ARGS", 4],
  ["a profile that is a FIFO", ["cert", "init", "--profile", "a-fifo", "-o", "ca2"], "INVALID_ARGS", 4],
  ["a participant file that is a folder", ["cert", "request", "-p", "a-folder"], "INVALID_ARGS", 4],
  ["a participant file that is a FIFO", ["cert", "request", "-p", "a-fifo"], "INVALID_ARGS", 4],
  [
    "a request zip that is a folder",
    ["cert", "approve", "folder.request.zip", "-c", "ca", "--profile", "p"],
    "INVALID_ARGS",
    4,
  ],
  [
    "a request zip that is a FIFO",
    ["cert", "approve", "a-fifo", "-c", "ca", "--profile", "p"],
    "INVALID_ARGS",
    4,
  ],
  ["an approve profile that is a FIFO", [...approve.slice(0, 5), "--profile", "a-fifo"], "INVALID_ARGS", 4],
  ["a signed zip that is a folder", ["package", "folder.signed.zip"], "INVALID_SIGNED_ZIP", 4],
  ["a signed zip that is a FIFO", ["package", "fifo.signed.zip"], "INVALID_SIGNED_ZIP", 4],
];

describe("user mistakes in text mode", { concurrency: 2 }, () => {
  // `--format jsonl` selects JSON mode for its error (cli.md §1), so it is in the next block only.
  for (const [name, args, code, exit] of MISTAKES.filter(([, a]) => !a.includes("--format"))) {
    test(`${name}: ${code} (exit ${exit}), three lines on stderr, no stack trace`, async () => {
      const run = await runAsync(args, { cwd: world.work, home: world.home, timeoutMs: 15_000 });
      assert.equal(run.code, exit, run.stderr);
      assert.ok(!hasStackTrace(run.stderr), run.stderr);
      assert.ok(!hasControlCharacters(run.stderr));
      // Usage errors print the help first (cli.md §4.3); the error block is always the tail.
      const tail = run.stderr.trimEnd().split("\n").slice(-3);
      assert.equal(tail.at(-1), `Code: ${code} (exit ${exit})`, run.stderr);
      assert.match(tail.at(-2) ?? "", /^Hint: \S/, run.stderr);
      assert.match(run.stdout, /^(Warning: [^\n]*\n)*$/, "stdout holds at most warnings");
    });
  }
});

describe("user mistakes in JSON mode: exactly one envelope on stdout", { concurrency: 2 }, () => {
  for (const [name, args, code, exit] of MISTAKES) {
    test(`${name}`, async () => {
      const run = await runAsync(["--format", "json", ...args], {
        cwd: world.work,
        home: world.home,
        timeoutMs: 15_000,
      });
      assert.equal(run.code, exit, run.stdout + run.stderr);
      const lines = run.stdout.split("\n");
      assert.equal(lines.length, 2, run.stdout);
      assert.equal(lines[1], "");
      const envelope = JSON.parse(lines[0] as string);
      assert.deepEqual(Object.keys(envelope).slice(0, 6), [
        "schema_version",
        "status",
        "exit_code",
        "error_code",
        "message",
        "hint",
      ]);
      assert.equal(envelope.status, "error");
      assert.equal(envelope.exit_code, exit);
      assert.equal(envelope.error_code, code);
      assert.ok(!hasStackTrace(run.stdout + run.stderr), run.stderr);
      assert.match(run.stderr, /^(Warning: [^\n]*\n)*$/, "stderr holds at most warnings");
    });
  }
});

describe("unreadable files inside otherwise good folders", { concurrency: 2 }, () => {
  const variant = (name: string, setup: (work: string) => void) => {
    const work = join(world.root, "variants", name);
    cpSync(world.work, work, { recursive: true, filter: (source) => !source.includes("fifo") });
    setup(work);
    return work;
  };
  const refuses = async (work: string, args: string[], code: string, exit: number, message: RegExp) => {
    const run = await runAsync(["--format", "json", ...args], {
      cwd: work,
      home: world.home,
      timeoutMs: 15_000,
    });
    assert.equal(run.json?.error_code, code, run.stdout + run.stderr);
    assert.equal(run.code, exit);
    assert.match(String(run.json?.message), message);
  };
  const fifo = (path: string) => {
    rmSync(path, { recursive: true, force: true });
    execFileSync("mkfifo", [path]);
  };
  const folder = (path: string) => {
    rmSync(path, { recursive: true, force: true });
    mkdirSync(path);
  };

  test("rootCA.key that is a folder: named, in its place in the check order", async () => {
    const work = variant("ca-key-folder", (w) => folder(join(w, "ca", "rootCA.key")));
    await refuses(work, approve, "INVALID_ARGS", 4, /cannot read ca\/rootCA\.key: not a regular file/);
  });
  test("a private key that is a FIFO: named as a FIFO, not called missing", async () => {
    const work = variant("key-fifo", (w) => fifo(join(w, SITE, `${SITE}.key`)));
    await refuses(
      work,
      pack,
      "REQUEST_DIR_INCOMPLETE",
      1,
      new RegExp(
        `^The specified --request-dir holds local request material that is not a regular file\\. \u2014 ${SITE}\\.key is a FIFO, not a regular file$`,
      ),
    );
  });
  test("a missing private key beside a request.json that is a FIFO: each said as it is", async () => {
    const work = variant("key-missing-json-fifo", (w) => {
      rmSync(join(w, SITE, `${SITE}.key`));
      fifo(join(w, SITE, "request.json"));
    });
    await refuses(
      work,
      pack,
      "REQUEST_DIR_INCOMPLETE",
      1,
      /^The specified --request-dir is missing local request material\. \u2014 request\.json is a FIFO, not a regular file$/,
    );
  });
  test("a local site.yaml that is a FIFO: LOCAL_SITE_INVALID exit 4, not 'not found'", async () => {
    const work = variant("site-fifo", (w) => fifo(join(w, SITE, "site.yaml")));
    await refuses(work, pack, "LOCAL_SITE_INVALID", 4, /cannot read .*site\.yaml: not a regular file/);
  });
  test("a local request.json that is a folder", async () => {
    const work = variant("request-json-folder", (w) => folder(join(w, SITE, "request.json")));
    await refuses(work, pack, "REQUEST_DIR_INCOMPLETE", 1, /request\.json is a folder, not a regular file$/);
  });
});

describe("an unexpected failure (a bug) is one INTERNAL_ERROR line, exit 5", () => {
  test("text mode: message, hint and code, no stack trace", async () => {
    const run = await runAsync(["cert", "request", "-p", "hospital-b.yaml"], {
      cwd: world.work,
      home: world.home,
      imports: [BUG_HOOK],
    });
    assert.equal(run.code, 5, run.stderr);
    assert.equal(
      run.stderr,
      "An unexpected error occurred. \u2014 TypeError: injected bug: digest is broken\n" +
        "Hint: This is a bug in flare-provision; rerun with FLARE_PROVISION_DEBUG=1 and report the stack trace.\n" +
        "Code: INTERNAL_ERROR (exit 5)\n",
    );
    assert.equal(run.stdout, "");
  });
  test("JSON mode: one envelope with exit_code 5", async () => {
    const run = await runAsync(
      ["--format", "json", "cert", "request", "-p", "hospital-b.yaml", "--out", "b2"],
      {
        cwd: world.work,
        home: world.home,
        imports: [BUG_HOOK],
      },
    );
    assert.equal(run.code, 5);
    assert.equal(run.json?.error_code, "INTERNAL_ERROR");
    assert.equal(run.json?.exit_code, 5);
    assert.equal(
      run.json?.message,
      "An unexpected error occurred. \u2014 TypeError: injected bug: digest is broken",
    );
  });
  test("FLARE_PROVISION_DEBUG=1 adds the stack for the bug report", async () => {
    const run = await runAsync(["cert", "request", "-p", "hospital-b.yaml", "--out", "b3"], {
      cwd: world.work,
      home: world.home,
      imports: [BUG_HOOK],
      env: { FLARE_PROVISION_DEBUG: "1" },
    });
    assert.equal(run.code, 5);
    assert.ok(hasStackTrace(run.stderr), run.stderr);
  });
});

describe("at very low open-file limits", () => {
  // `ulimit -n N` in a shell, then the CLI. Below some N Node itself cannot open dist/cli.js (or
  // crashes starting its threads) before any of our code runs: those runs are skipped. Every run
  // our code got to handle succeeds or says TOO_MANY_OPEN_FILES with a hint, never a stack.
  test("no stack trace, and TOO_MANY_OPEN_FILES where the limit bites", () => {
    const commands = [
      ["cert", "inspect", "ca"],
      [...approve, "--out", "ulimit.signed.zip", "--force"],
    ];
    const seen = new Set<string>();
    for (let limit = 16; limit <= 28; limit++) {
      for (const args of commands) {
        const quoted = [process.execPath, CLI, "--format", "json", ...args].map((a) => `'${a}'`).join(" ");
        const run = spawnSync("sh", ["-c", `ulimit -n ${limit} && exec ${quoted}`], {
          cwd: world.work,
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: world.home, ...TEMP_ENV },
          encoding: "utf8",
          timeout: 60_000,
        });
        const output = `${run.stdout}${run.stderr}`;
        const label = `ulimit -n ${limit}, ${args.slice(0, 2).join(" ")}: ${output}`;
        // Node could not start our code at all.
        if (run.signal !== null || (!run.stdout && /Node\.js v\d+/.test(run.stderr))) {
          seen.add("node-failed");
          continue;
        }
        assert.ok(!hasStackTrace(output), label);
        const envelope = JSON.parse(run.stdout);
        if (run.status === 0) seen.add("ok");
        else {
          assert.equal(envelope.error_code, "TOO_MANY_OPEN_FILES", label);
          assert.equal(run.status, 1, label);
          assert.match(envelope.hint, /ulimit -n 1024/, label);
          seen.add("limited");
        }
      }
    }
    // The limits tried cover both sides of the threshold, so the check above could fail.
    assert.ok(seen.has("ok") && seen.has("limited"), [...seen].join(", "));
  });
});

describe("output to a closed pipe", () => {
  test("ends quietly instead of crashing with EPIPE", async () => {
    const child = spawn(process.execPath, [CLI, "package", "--schema"], {
      cwd: world.work,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: world.home, ...TEMP_ENV },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.ok(!hasStackTrace(stderr), stderr);
    assert.ok(code === 0 || code === null, `exit ${code}: ${stderr}`);
  });
});

describe("hostile text in names is shown escaped in text mode", () => {
  test("a participant path with a terminal escape sequence", async () => {
    const file = put(join(world.work, "evil\x1b[2Jname.yaml"), "name: [unclosed\n");
    const run = await runAsync(["cert", "request", "-p", file.split("/").pop() as string], {
      cwd: world.work,
      home: world.home,
    });
    assert.equal(run.code, 4);
    assert.ok(!hasControlCharacters(run.stderr), JSON.stringify(run.stderr));
    assert.match(run.stderr, /evil\\x1b\[2Jname\.yaml/);
  });
});

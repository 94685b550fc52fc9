import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { COMMANDS } from "../../src/cli/commands/index.ts";
import { CLI, runCli } from "../helpers/cli.ts";
import { makeTempDir } from "../helpers/fixtures.ts";

describe("the CLI surface", () => {
  const { dir, cleanup } = makeTempDir("flare-cli-");
  after(cleanup);
  const cli = (...args: string[]) => runCli(args, { cwd: dir, home: dir });

  test("-h prints the command's help with examples and exits 0", () => {
    const run = cli("cert", "approve", "-h");
    assert.equal(run.code, 0);
    // Started as `node dist/cli.js`, not through a bin: help uses the package's own name.
    assert.match(run.stdout, /^usage: flare-provision cert approve REQUEST_ZIP -c CA_DIR --profile PROFILE/);
    assert.match(run.stdout, /examples:\n {2}flare-provision cert approve /);
    assert.match(run.stdout, /exit codes:/);
  });

  test("--schema prints the arguments as JSON even when required ones are missing", () => {
    const run = cli("package", "--schema");
    assert.equal(run.code, 0);
    const schema = JSON.parse(run.stdout);
    assert.equal(schema.command, "nvflare package");
    assert.deepEqual(
      schema.args.map((a: { name: string }) => a.name),
      ["input", "--workspace", "--request-dir", "--fingerprint", "--force", "--python", "--update", "--crl"],
    );
    assert.deepEqual(schema.args[3].aliases, ["--expected-fingerprint"]);
  });

  test("cert without a subcommand prints the cert help on stderr, then INVALID_ARGS exit 4", () => {
    const run = cli("cert");
    assert.equal(run.code, 4);
    assert.equal(run.stdout, "");
    assert.match(
      run.stderr,
      /^usage: flare-provision cert \[-h\] \{init,request,approve,inspect,key,list,revoke,ledger\} \.\.\.\n/,
    );
    assert.ok(
      run.stderr.endsWith(
        "\n\nInvalid arguments. \u2014 cert subcommand required\nHint: Run with -h for usage.\nCode: INVALID_ARGS (exit 4)\n",
      ),
      run.stderr,
    );
  });

  test("cert without a subcommand in JSON mode is one envelope without usage data", () => {
    const run = cli("cert", "--format", "json");
    assert.equal(run.code, 4);
    assert.equal(run.stderr, "");
    assert.equal(
      run.stdout,
      '{"schema_version": "1", "status": "error", "exit_code": 4, "error_code": "INVALID_ARGS", "message": "Invalid arguments. \\u2014 cert subcommand required", "hint": "Run with -h for usage."}\n',
    );
  });

  test("an argument error in JSON mode is exactly one envelope on stdout and nothing on stderr", () => {
    const run = cli("cert", "approve", "x.request.zip", "--bogus", "--format", "json");
    assert.equal(run.code, 4);
    assert.equal(run.stderr, "");
    assert.equal(run.json?.error_code, "INVALID_ARGS");
    assert.equal(run.json?.exit_code, 4);
    assert.equal(run.json?.message, "the following arguments are required: -c/--ca-dir, --profile");
  });

  test("unrecognized arguments in JSON mode name the command", () => {
    const run = cli("--format", "json", "cert", "request", "-p", "x.yaml", "--bogus");
    assert.equal(run.json?.message, "nvflare cert request: unrecognized arguments: --bogus");
  });

  test("a missing input is a coded error without a stack trace", () => {
    const run = cli("package", "nowhere.signed.zip");
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.equal(
      run.stderr,
      "Signed zip not found: nowhere.signed.zip.\nHint: Provide the .signed.zip returned by 'nvflare cert approve'.\nCode: SIGNED_ZIP_NOT_FOUND (exit 1)\n",
    );
  });

  test("--version prints the package version", () => {
    const run = cli("--version");
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^flare-provision \d+\.\d+\.\d+/);
  });

  test("an unparsable FLARE_PROVISION_NOW is refused instead of silently using another clock", () => {
    const run = runCli(["--format", "json", "package", "x.signed.zip"], {
      cwd: dir,
      home: dir,
      env: { FLARE_PROVISION_NOW: "tomorrow" },
    });
    assert.equal(run.code, 4);
    assert.equal(
      run.json?.message,
      "Invalid arguments. \u2014 FLARE_PROVISION_NOW must be a UTC timestamp such as 2026-11-27T15:30:00Z, not 'tomorrow'",
    );
  });

  describe("through each installed bin name", () => {
    // npm links each "bin" name to dist/cli.js; argv[1] is then the link's path.
    for (const bin of ["nvflare", "flare-provision"]) {
      symlinkSync(CLI, join(dir, bin));
    }
    const binRun = (bin: string, ...args: string[]) => {
      const result = spawnSync(process.execPath, [join(dir, bin), ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LANG: "C.UTF-8" },
        encoding: "utf8",
        timeout: 60_000,
      });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    };

    for (const bin of ["nvflare", "flare-provision"]) {
      test(`bare ${bin} prints the top-level help, naming ${bin}, and exits 0`, () => {
        for (const args of [[], ["--format", "json"], ["-h"]]) {
          const run = binRun(bin, ...args);
          assert.equal(run.code, 0, args.join(" "));
          assert.equal(run.stderr, "");
          assert.match(
            run.stdout,
            new RegExp(
              `^usage: ${bin} \\[-h\\] \\[--version\\] \\[--format \\{txt,json\\}\\] \\{cert,package,kit,ui\\} \\.\\.\\.\\n`,
            ),
          );
          // Generated from the command table: every command with its summary, in table order.
          const listed = COMMANDS.map((spec) => run.stdout.indexOf(`  ${spec.words.join(" ")} `));
          assert.ok(
            listed.every((at, i) => at > 0 && (i === 0 || at > (listed[i - 1] as number))),
            run.stdout,
          );
          for (const spec of COMMANDS) assert.ok(run.stdout.includes(spec.summary), spec.summary);
          assert.ok(run.stdout.includes(`Run '${bin} <command> -h' for the options of a command.`));
        }
      });

      test(`${bin} cert --help lists the cert subcommands and exits 0`, () => {
        const run = binRun(bin, "cert", "--help");
        assert.equal(run.code, 0);
        assert.equal(run.stderr, "");
        assert.match(
          run.stdout,
          new RegExp(
            `^usage: ${bin} cert \\[-h\\] \\{init,request,approve,inspect,key,list,revoke,ledger\\} \\.\\.\\.\\n`,
          ),
        );
        const subcommands = [...run.stdout.matchAll(/^ {2}([a-z]+(?: [a-z]+)?) {4,}(.+)$/gm)].map((m) => [
          m[1],
          m[2],
        ]);
        assert.deepEqual(
          subcommands,
          COMMANDS.filter((spec) => spec.words[0] === "cert").map((spec) => [
            spec.words.slice(1).join(" "),
            spec.summary,
          ]),
        );
        assert.equal(binRun(bin, "cert", "-h").stdout, run.stdout);
      });

      test(`bare ${bin} cert prints the cert help naming ${bin} before the error`, () => {
        const run = binRun(bin, "cert");
        assert.equal(run.code, 4);
        assert.equal(run.stdout, "");
        assert.equal(
          run.stderr.split("\n\nInvalid arguments.")[0],
          `${binRun(bin, "cert", "-h").stdout.trimEnd()}`,
        );
        // An unknown cert subcommand is the cert parser's error too, after the cert help.
        const unknown = binRun(bin, "cert", "sign");
        assert.equal(unknown.code, 4);
        assert.equal(
          unknown.stderr.split("\n\nInvalid arguments.")[0],
          run.stderr.split("\n\nInvalid arguments.")[0],
        );
      });

      test(`a command's help and usage errors name ${bin}`, () => {
        const help = binRun(bin, "package", "-h");
        assert.equal(help.code, 0);
        assert.match(help.stdout, new RegExp(`^usage: ${bin} package INPUT `));
        assert.match(help.stdout, new RegExp(`examples:\\n {2}${bin} package `));
        const error = binRun(bin, "cert", "request");
        assert.equal(error.code, 4);
        assert.match(error.stderr, new RegExp(`^usage: ${bin} cert request -p PARTICIPANT`));
        const json = JSON.parse(binRun(bin, "--format", "json", "cert", "request").stdout);
        assert.match(json.data.usage, new RegExp(`^usage: ${bin} cert request `));
      });
    }
  });
});

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir } from "../helpers/fixtures.ts";

describe("the CLI surface", () => {
  const { dir, cleanup } = makeTempDir("flare-cli-");
  after(cleanup);
  const cli = (...args: string[]) => runCli(args, { cwd: dir, home: dir });

  test("-h prints the command's help with examples and exits 0", () => {
    const run = cli("cert", "approve", "-h");
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^usage: nvflare cert approve REQUEST_ZIP -c CA_DIR --profile PROFILE/);
    assert.match(run.stdout, /examples:\n {2}nvflare cert approve /);
    assert.match(run.stdout, /exit codes:/);
  });

  test("--schema prints the arguments as JSON even when required ones are missing", () => {
    const run = cli("package", "--schema");
    assert.equal(run.code, 0);
    const schema = JSON.parse(run.stdout);
    assert.equal(schema.command, "nvflare package");
    assert.deepEqual(
      schema.args.map((a: { name: string }) => a.name),
      ["input", "--workspace", "--request-dir", "--fingerprint", "--force"],
    );
    assert.deepEqual(schema.args[3].aliases, ["--expected-fingerprint"]);
  });

  test("cert without a subcommand is INVALID_ARGS exit 4", () => {
    const run = cli("cert");
    assert.equal(run.code, 4);
    assert.equal(
      run.stderr,
      "Invalid arguments. \u2014 cert subcommand required\nHint: Run the command with -h for usage.\nCode: INVALID_ARGS (exit 4)\n",
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
});

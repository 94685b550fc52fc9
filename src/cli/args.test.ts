import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { extractGlobals, parseCommandArgs, UsageError } from "./args.ts";
import { certApprove } from "./commands/cert-approve.ts";
import { certInit } from "./commands/cert-init.ts";
import { certRequest } from "./commands/cert-request.ts";
import { packageKit } from "./commands/package.ts";

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected UsageError, got ${String(error)}`);
    return error.message;
  }
  assert.fail("expected a UsageError");
}

describe("extractGlobals", () => {
  test("finds --format before or after the subcommand, in both spellings", () => {
    assert.equal(extractGlobals(["--format", "json", "cert", "init"]).format, "json");
    assert.equal(extractGlobals(["cert", "init", "--format=json"]).format, "json");
    assert.deepEqual(extractGlobals(["cert", "--format", "json", "init", "-o", "ca"]).rest, [
      "cert",
      "init",
      "-o",
      "ca",
    ]);
  });

  test("rejects jsonl with the reference's message but still answers in JSON", () => {
    const globals = extractGlobals(["--format", "jsonl", "package", "x.signed.zip"]);
    assert.equal(globals.format, "json");
    assert.equal(
      globals.formatError,
      "--format jsonl is only supported by streaming commands: nvflare job monitor",
    );
  });

  test("treats the hidden legacy --output json as --format json and leaves other --output values alone", () => {
    assert.equal(extractGlobals(["cert", "request", "-p", "a.yaml", "--output", "json"]).format, "json");
    assert.deepEqual(extractGlobals(["cert", "approve", "r.zip", "--output", "x.zip"]).rest, [
      "cert",
      "approve",
      "r.zip",
      "--output",
      "x.zip",
    ]);
  });
});

describe("parseCommandArgs", () => {
  test("expands a unique prefix of a long option, as argparse does", () => {
    const options = parseCommandArgs(packageKit, ["x.signed.zip", "--fing", "AA", "--req", "dir"]);
    assert.equal(options.fingerprint, "AA");
    assert.equal(options.requestDir, "dir");
  });

  test("accepts the alias --expected-fingerprint and --opt=value", () => {
    assert.equal(
      parseCommandArgs(packageKit, ["x.signed.zip", "--expected-fingerprint=BB"]).fingerprint,
      "BB",
    );
  });

  test("refuses an ambiguous prefix naming the candidates", () => {
    assert.equal(
      usageMessage(() => parseCommandArgs(packageKit, ["x.signed.zip", "--f", "AA"])),
      "ambiguous option: --f could match --fingerprint, --force",
    );
  });

  test("lists missing required arguments in argparse's words", () => {
    assert.equal(
      usageMessage(() => parseCommandArgs(certApprove, [])),
      "the following arguments are required: request_zip, -c/--ca-dir, --profile",
    );
    assert.equal(
      usageMessage(() => parseCommandArgs(certRequest, [])),
      "the following arguments are required: -p/--participant",
    );
  });

  test("reports unrecognized arguments and extra positionals", () => {
    assert.equal(
      usageMessage(() => parseCommandArgs(certRequest, ["-p", "a.yaml", "--bogus", "extra"])),
      "unrecognized arguments: --bogus extra",
    );
  });

  test("validates --valid-days and --deploy-version with the reference's messages", () => {
    assert.equal(
      usageMessage(() => parseCommandArgs(certInit, ["--valid-days", "0"])),
      "argument --valid-days: value must be >= 1",
    );
    assert.equal(
      usageMessage(() => parseCommandArgs(certInit, ["--deploy-version", "1"])),
      "argument --deploy-version: version must be exactly two digits, for example 00",
    );
    assert.equal(
      usageMessage(() => parseCommandArgs(certInit, ["--valid-days"])),
      "argument --valid-days: expected one argument",
    );
  });

  test("fills documented defaults", () => {
    const options = parseCommandArgs(certInit, ["--profile", "p.yaml", "-o", "ca"]);
    assert.equal(options.validDays, 3650);
    assert.equal(options.deployVersion, "00");
    assert.equal(parseCommandArgs(packageKit, ["a.signed.zip"]).workspace, "workspace");
  });

  test("takes everything after -- as positionals", () => {
    assert.equal(parseCommandArgs(packageKit, ["--", "-odd.signed.zip"]).input, "-odd.signed.zip");
  });

  test("collects every REQUEST_ZIP of cert approve into one list, options in between", () => {
    const options = parseCommandArgs(certApprove, [
      "a.request.zip",
      "-c",
      "ca",
      "b.request.zip",
      "--profile",
      "p.yaml",
      "c.request.zip",
    ]);
    assert.deepEqual(options.requestZip, ["a.request.zip", "b.request.zip", "c.request.zip"]);
  });
});

describe('path values (docs/security.md "Arguments")', () => {
  test("refuses empty, whitespace-only and U+FFFD paths for options and positionals, variadic ones included", () => {
    assert.equal(
      usageMessage(() => parseCommandArgs(certInit, ["--profile", "p.yaml", "-o", ""])),
      "argument -o/--output-dir: expected a path, got an empty string",
    );
    assert.equal(
      usageMessage(() => parseCommandArgs(packageKit, ["x.signed.zip", "--workspace=  "])),
      "argument -w/--workspace: expected a path, got only whitespace ('  ')",
    );
    assert.equal(
      usageMessage(() => parseCommandArgs(certApprove, ["a.request.zip", "", "-c", "ca", "--profile", "p"])),
      "argument request_zip: expected a path, got an empty string",
    );
    assert.match(
      usageMessage(() => parseCommandArgs(certRequest, ["-p", "x\uFFFD.yaml"])),
      /^argument -p\/--participant: the path is not valid UTF-8/,
    );
  });

  test("keeps paths with inner or surrounding spaces, dots and non-ASCII as given", () => {
    const options = parseCommandArgs(certApprove, [
      " a b.request.zip",
      ".",
      "-c",
      "./ca",
      "--profile",
      "prøfile.yaml",
    ]);
    assert.deepEqual(options.requestZip, [" a b.request.zip", "."]);
    assert.equal(options.caDir, "./ca");
    assert.equal(options.profile, "prøfile.yaml");
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pythonText, Reporter, redact } from "./output.ts";

function capture(format: "txt" | "json") {
  const out = { stdout: "", stderr: "" };
  const reporter = new Reporter(format, {
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
  });
  return { out, reporter };
}

describe("Reporter", () => {
  test("text results are key: value lines with Python's None/True", () => {
    const { out, reporter } = capture("txt");
    reporter.result({ name: "site-1", cert_role: null, ok: true });
    assert.equal(out.stdout, "name: site-1\ncert_role: None\nok: True\n");
    assert.equal(out.stderr, "");
  });

  test("JSON results are one envelope line with Python's separators and escaped non-ASCII", () => {
    const { out, reporter } = capture("json");
    reporter.result({ name: "é", cert_role: null });
    assert.equal(
      out.stdout,
      '{"schema_version": "1", "status": "ok", "exit_code": 0, "data": {"name": "\\u00e9", "cert_role": null}}\n',
    );
  });

  test("notes go to stdout in text mode and to stderr in JSON mode", () => {
    const text = capture("txt");
    text.reporter.note("INFO: done. ");
    assert.equal(text.out.stdout, "INFO: done. \n");
    const json = capture("json");
    json.reporter.note("INFO: done. ");
    assert.equal(json.out.stderr, "INFO: done. \n");
    assert.equal(json.out.stdout, "");
  });

  test("text errors are three stderr lines; JSON errors one stdout envelope with the em dash escaped", () => {
    const error = {
      code: "INVALID_ARGS",
      message: "Invalid arguments. \u2014 bad",
      hint: "Run the command with -h for usage.",
      exitCode: 4,
    };
    const text = capture("txt");
    text.reporter.error(error);
    assert.equal(
      text.out.stderr,
      "Invalid arguments. \u2014 bad\nHint: Run the command with -h for usage.\nCode: INVALID_ARGS (exit 4)\n",
    );
    assert.equal(text.out.stdout, "");
    const json = capture("json");
    json.reporter.error(error);
    assert.equal(
      json.out.stdout,
      '{"schema_version": "1", "status": "error", "exit_code": 4, "error_code": "INVALID_ARGS", "message": "Invalid arguments. \\u2014 bad", "hint": "Run the command with -h for usage."}\n',
    );
  });
});

describe("redact", () => {
  test("masks PEM private-key blocks and secret pairs", () => {
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----";
    assert.equal(redact(`key ${pem} token=abc`), "key <redacted> token=<redacted>");
  });

  test("leaves ordinary values alone", () => {
    assert.equal(redact("SHA256:AA:BB"), "SHA256:AA:BB");
    assert.equal(pythonText(8002), "8002");
  });
});

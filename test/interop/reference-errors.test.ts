import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { CliRun } from "../helpers/cli.ts";
import { fixturePath, makeTempDir } from "../helpers/fixtures.ts";
import {
  assertSameBytes,
  assertUnchanged,
  type ChangeRow,
  certProfile,
  cliIn,
  copyFixtureScenario,
  member,
  normalizePaths,
  OID,
  openssl,
  parseChanges,
  readZips,
  type ScenarioCopy,
  snapshotTree,
  undoSteps,
  type ZipListing,
} from "./helpers.ts";

// The reference's refusals are ours: every case of errors/expected (CATALOGUE.md, errors/) replayed
// through our built CLI from a copy of errors/work rewound to the setup state, in JSON mode and
// in text mode, compared with the captured reference output: exit status, error code, the
// stream contract (cli.md §4) and the message and hint text. Where our text deliberately
// differs, DIFFERENCES says how and why (docs/interop.md lists the same).

interface ErrorCase {
  id: string;
  textArgs: string[];
  jsonArgs: string[];
  rc: number;
  changes: ChangeRow[];
  expected: { textStdout: string; textStderr: string; jsonStdout: string; jsonStderr: string };
}

function loadCases(): ErrorCase[] {
  const root = fixturePath("errors", "expected");
  return readdirSync(root)
    .sort()
    .map((id) => {
      const read = (file: string) => readFileSync(join(root, id, file), "utf8");
      const [textCmd = "", jsonCmd = ""] = read("cmd.txt").trim().split("\n");
      const argv = (line: string) => line.trim().split(/\s+/).slice(1);
      assert.equal(read("text.rc").trim(), read("json.rc").trim(), id);
      return {
        id,
        textArgs: argv(textCmd),
        jsonArgs: argv(jsonCmd),
        rc: Number(read("text.rc").trim()),
        changes: parseChanges(read("text.changes")),
        expected: {
          textStdout: read("text.stdout"),
          textStderr: read("text.stderr"),
          jsonStdout: read("json.stdout"),
          jsonStderr: read("json.stderr"),
        },
      };
    });
}

/**
 * Where our message or hint deliberately differs from the reference's, the text we print
 * instead and why. Everything else (codes, exit statuses, streams) is identical.
 */
const DIFFERENCES: Record<string, { message?: string; hint?: string; why: string }> = {
  "tampered-signed-json": {
    message:
      "Signed approval metadata signature is invalid: the RSA-PSS signature does not verify with the included rootCA.pem.",
    why: "the reference appends the text of an exception that has none (`invalid: .`); ours says what failed",
  },
};

const CASES = loadCases();

/** Fingerprint of errors/work/ca (CATALOGUE.md, errors/). */
const ERRORS_CA_FINGERPRINT =
  "SHA256:4D:6C:F8:4F:42:85:F8:C2:5C:84:FD:3D:8F:C0:D6:5B:68:BA:EA:D5:9E:50:84:51:5A:EC:F1:A7:48:AB:1F:38";

/** The setup state of errors/work: every case's own leftovers undone (CATALOGUE.md, errors/). */
function setupState(dest: string): ScenarioCopy {
  const copy = copyFixtureScenario("errors", dest, "reference");
  undoSteps(
    copy,
    CASES.flatMap((c) => c.changes),
  );
  return copy;
}

interface ParsedError {
  message: string;
  hint: string;
  code: string;
  exit: number;
}

function parseTextError(stderr: string): ParsedError {
  const lines = stderr.split("\n");
  assert.equal(lines.length, 4, `three lines and a final newline: ${JSON.stringify(stderr)}`);
  const [message = "", hintLine = "", codeLine = ""] = lines;
  assert.match(hintLine, /^Hint: /);
  const code = /^Code: ([A-Z_]+) \(exit (\d+)\)$/.exec(codeLine);
  assert.ok(code, codeLine);
  return { message, hint: hintLine.slice("Hint: ".length), code: code[1] as string, exit: Number(code[2]) };
}

function parseJsonError(stdout: string): ParsedError {
  assert.equal(stdout.split("\n").length, 2, "one line and a final newline");
  const envelope = JSON.parse(stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(envelope), [
    "schema_version",
    "status",
    "exit_code",
    "error_code",
    "message",
    "hint",
  ]);
  assert.equal(envelope.schema_version, "1");
  assert.equal(envelope.status, "error");
  return {
    message: envelope.message as string,
    hint: envelope.hint as string,
    code: envelope.error_code as string,
    exit: envelope.exit_code as number,
  };
}

describe("the reference's refusals are ours (errors/expected)", () => {
  const temp = makeTempDir("flare-interop-errors-");
  let copy: ScenarioCopy;
  const results = new Map<string, { text: CliRun; json: CliRun; wrote: string[] }>();

  before(() => {
    copy = setupState(join(temp.dir, "errors"));
    for (const c of CASES) {
      if (c.rc === 0) continue;
      const before = snapshotTree(copy.root);
      const json = cliIn(copy, c.jsonArgs);
      const text = cliIn(copy, c.textArgs);
      const after = snapshotTree(copy.root);
      const wrote: string[] = [];
      try {
        assertUnchanged(before, after, c.id);
      } catch (error) {
        wrote.push(String(error));
      }
      results.set(c.id, { text, json, wrote });
    }
  });
  after(temp.cleanup);

  test("reports every failing case with the reference's code and exit status in both modes", () => {
    const failing = CASES.filter((c) => c.rc !== 0);
    assert.equal(failing.length, 20);
    const mismatches: string[] = [];
    for (const c of failing) {
      const r = results.get(c.id);
      assert.ok(r);
      const expected = parseTextError(normalizePaths(c.expected.textStderr, copy));
      try {
        assert.equal(r.text.code, c.rc);
        assert.equal(r.text.stdout, "");
        const text = parseTextError(normalizePaths(r.text.stderr, copy));
        assert.equal(text.code, expected.code);
        assert.equal(text.exit, c.rc);
        assert.equal(r.json.code, c.rc);
        assert.equal(r.json.stderr, "");
        const json = parseJsonError(normalizePaths(r.json.stdout, copy));
        assert.equal(json.code, expected.code);
        assert.equal(json.exit, c.rc);
      } catch (error) {
        mismatches.push(`${c.id}: ${(error as Error).message}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test("prints the reference's message and hint, except where DIFFERENCES says why not", () => {
    const mismatches: string[] = [];
    for (const c of CASES.filter((x) => x.rc !== 0)) {
      const r = results.get(c.id);
      assert.ok(r);
      const expectedText = parseTextError(normalizePaths(c.expected.textStderr, copy));
      const expectedJson = parseJsonError(normalizePaths(c.expected.jsonStdout, copy));
      const diff = DIFFERENCES[c.id];
      const want = (e: ParsedError) => ({ message: diff?.message ?? e.message, hint: diff?.hint ?? e.hint });
      const got = (e: ParsedError) => ({ message: e.message, hint: e.hint });
      try {
        assert.deepEqual(got(parseTextError(normalizePaths(r.text.stderr, copy))), want(expectedText));
        assert.deepEqual(got(parseJsonError(normalizePaths(r.json.stdout, copy))), want(expectedJson));
      } catch (error) {
        mismatches.push(`${c.id}: ${(error as Error).message}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test("writes nothing in any failing case", () => {
    const wrote = [...results].filter(([, r]) => r.wrote.length > 0).map(([id, r]) => `${id}: ${r.wrote}`);
    assert.deepEqual(wrote, []);
  });
});

/**
 * Value shapes of a `key: value` output: paths normalized by the caller, then random or
 * time-dependent parts replaced, so two runs of the same step compare equal.
 */
function shape(text: string): string {
  return text
    .replace(/SHA256(:[0-9A-F]{2}){32}/g, "<FINGERPRINT>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, "<TIME>");
}

describe("cert init --force with a new deploy version succeeds (errors/expected/cert-init-force-new-version)", () => {
  const temp = makeTempDir("flare-interop-force-");
  after(temp.cleanup);
  const c = CASES.find((x) => x.id === "cert-init-force-new-version") as ErrorCase;

  for (const mode of ["text", "json"] as const) {
    test(`moves the old CA to .bak/<timestamp>/ and writes a version 01 root, printing the reference's fields (${mode} mode)`, () => {
      const copy = setupState(join(temp.dir, mode));
      const caDir = join(copy.work, "cases", "cert-init-force-new-version", "ca");
      const old = new Map(
        ["rootCA.pem", "rootCA.key", "ca.json"].map((f) => [f, readFileSync(join(caDir, f))]),
      );
      assert.equal(JSON.parse(old.get("ca.json")?.toString() ?? "").provision_version, "00");
      const run = cliIn(copy, mode === "json" ? c.jsonArgs : c.textArgs);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, "");

      // The reference's .bak layout (text.changes): .bak/ then one 0700 folder named by the local
      // time, holding the three previous files with their modes and bytes.
      const expectedBak = c.changes.filter((row) => row.path.includes("/.bak/2"));
      const backups = readdirSync(join(caDir, ".bak"));
      assert.equal(backups.length, 1);
      const stamp = backups[0] as string;
      assert.match(stamp, /^\d{8}T\d{6}$/);
      const bakDir = join(caDir, ".bak", stamp);
      const dirMode = (suffix: RegExp) =>
        c.changes.find((r) => r.type === "dir" && suffix.test(r.path))?.mode;
      assert.equal(statSync(join(caDir, ".bak")).mode & 0o777, dirMode(/\/\.bak\/$/));
      assert.equal(statSync(bakDir).mode & 0o777, dirMode(/\/\.bak\/\d{8}T\d{6}\/$/));
      for (const row of expectedBak.filter((r) => r.type === "f")) {
        const file = basename(row.path);
        assert.equal(statSync(join(bakDir, file)).mode & 0o777, row.mode, file);
        assertSameBytes(readFileSync(join(bakDir, file)), old.get(file) as Buffer, file);
      }
      assert.deepEqual(
        readdirSync(bakDir).sort(),
        expectedBak
          .filter((r) => r.type === "f")
          .map((r) => basename(r.path))
          .sort(),
      );
      const caJson = JSON.parse(readFileSync(join(caDir, "ca.json"), "utf8")) as Record<string, string>;
      assert.equal(caJson.provision_version, "01");
      const fingerprint = openssl([
        "x509",
        "-in",
        join(caDir, "rootCA.pem"),
        "-noout",
        "-fingerprint",
        "-sha256",
      ])
        .trim()
        .replace(/^sha256 Fingerprint=/i, "SHA256:");
      assert.equal(caJson.rootCA_fingerprint, fingerprint);

      const expected = normalizePaths(mode === "json" ? c.expected.jsonStdout : c.expected.textStdout, copy);
      assert.equal(shape(normalizePaths(run.stdout, copy)), shape(expected));
      assert.ok(run.stdout.includes(fingerprint), "prints the new root's fingerprint");
    });
  }
});

describe("where the reference is unsafe, ours refuses or does the safe thing", () => {
  const temp = makeTempDir("flare-interop-defects-");
  after(temp.cleanup);

  test("signed-zip-from-other-ca fails like the reference but writes none of the 3 files the reference left in the request folder", () => {
    const c = CASES.find((x) => x.id === "signed-zip-from-other-ca") as ErrorCase;
    // The reference copied signed.json, the certificate and rootCA.pem of the foreign CA into
    // site-2/ before it noticed the mismatch (validation.md §5 quirk).
    assert.deepEqual(
      c.changes.map((row) => `${row.tag} ${row.path}`),
      ["A work/site-2/rootCA.pem", "A work/site-2/signed.json", "A work/site-2/site-2.crt"],
    );
    const copy = setupState(join(temp.dir, "other-ca"));
    const before = snapshotTree(copy.root);
    const run = cliIn(copy, c.textArgs);
    assert.equal(run.code, 4);
    assert.match(run.stderr, /\nCode: ROOTCA_FINGERPRINT_MISMATCH \(exit 4\)\n$/);
    assertUnchanged(before, snapshotTree(copy.root), "package of a foreign CA's signed zip");
  });

  test("a server name over 64 characters fails at cert request, writing nothing (the reference fails only at package)", () => {
    const copy = setupState(join(temp.dir, "long-server"));
    const name = `fl-${"x".repeat(62)}.example.org`;
    assert.ok(name.length > 64);
    writeFileSync(
      join(copy.work, "long.yaml"),
      `name: hospital_federation\nparticipants:\n  - name: ${name}\n    type: server\n    org: hospital_central\n`,
    );
    const before = snapshotTree(copy.root);
    const run = cliIn(copy, ["cert", "request", "--participant", "long.yaml", "--out", "long"]);
    assert.equal(run.code, 4, run.stdout);
    assert.equal(run.stdout, "");
    assert.equal(
      run.stderr.split("\n")[0],
      `Invalid name '${name}': Name must be 64 characters or fewer; a longer server name would be truncated in the certificate CN and the signed zip could not be packaged.`,
    );
    assert.match(run.stderr, /\nCode: INVALID_NAME \(exit 4\)\n$/);
    assertUnchanged(before, snapshotTree(copy.root), "cert request of a long server name");
  });

  test("cert init --org writes a root whose issuer is its own subject, so openssl verifies the chain", () => {
    const copy = setupState(join(temp.dir, "org-root"));
    const cli = (...args: string[]) => cliIn(copy, args);
    assert.equal(
      cli("cert", "init", "--profile", "project_profile.yaml", "-o", "org-ca", "--org", "Hospital_Admins")
        .code,
      0,
    );
    const root = certProfile(readFileSync(join(copy.work, "org-ca", "rootCA.pem")));
    assert.deepEqual(root.subject, [
      [`${OID.commonName}=utf8String:hospital_federation`],
      [`${OID.organization}=utf8String:Hospital_Admins`],
    ]);
    // certificates.md §9: the reference writes issuer CN=<project> only, breaking name chaining.
    assert.equal(root.issuerDer, root.subjectDer);
    assert.equal(
      cli("cert", "request", "--participant", "participants/site-1.yaml", "--out", "org-site").code,
      0,
    );
    const approve = cli(
      "cert",
      "approve",
      "org-site/site-1.request.zip",
      "--ca-dir",
      "org-ca",
      "--profile",
      "project_profile.yaml",
    );
    assert.equal(approve.code, 0, approve.stderr);
    const signed = readZips([join(copy.work, "org-site", "site-1.signed.zip")])[0] as ZipListing;
    const crtPath = join(temp.dir, "org-site-1.crt");
    writeFileSync(crtPath, member(signed, "site-1.crt"));
    assert.equal(certProfile(member(signed, "site-1.crt")).issuerDer, root.subjectDer);
    const rootPath = join(copy.work, "org-ca", "rootCA.pem");
    assert.equal(openssl(["verify", "-CAfile", rootPath, crtPath]).trim(), `${crtPath}: OK`);
  });

  test("a client's allow_log_streaming: false reaches its kit (the reference ignores it and streams logs)", () => {
    const copy = setupState(join(temp.dir, "log-streaming"));
    writeFileSync(
      join(copy.work, "quiet.yaml"),
      "name: hospital_federation\nparticipants:\n  - name: site-quiet\n    type: client\n    org: hospital_alpha\n    allow_log_streaming: false\n",
    );
    const cli = (...args: string[]) => cliIn(copy, args);
    assert.equal(cli("cert", "request", "--participant", "quiet.yaml").code, 0);
    assert.equal(
      cli(
        "cert",
        "approve",
        "site-quiet/site-quiet.request.zip",
        "--ca-dir",
        "ca",
        "--profile",
        "project_profile.yaml",
      ).code,
      0,
    );
    const pack = cli(
      "package",
      "site-quiet/site-quiet.signed.zip",
      "-w",
      "quiet-ws",
      "--fingerprint",
      ERRORS_CA_FINGERPRINT,
    );
    assert.equal(pack.code, 0, pack.stderr);
    const resources = (kit: string) =>
      JSON.parse(readFileSync(join(kit, "local", "resources.json.default"), "utf8")) as Record<
        string,
        unknown
      >;
    const ours = resources(join(copy.work, "quiet-ws", "hospital_federation", "prod_00", "site-quiet"));
    const reference = resources(
      fixturePath("errors", "work", "workspace", "hospital_federation", "prod_00", "site-1"),
    );
    assert.equal(reference.allow_log_streaming, true);
    assert.deepEqual(ours, { ...reference, allow_log_streaming: false });
  });
});

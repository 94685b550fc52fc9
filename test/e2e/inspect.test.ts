import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { readZip } from "../../src/core/zip/read-zip.ts";
import { writeZip } from "../../src/core/zip/write-zip.ts";
import { inspectPath } from "../../src/node/inspect.ts";
import { type CliRun, okData, runCli } from "../helpers/cli.ts";
import { fixedDeps } from "../helpers/deps.ts";
import { copyScenario, FIXTURES, makeTempDir } from "../helpers/fixtures.ts";

const HOSPITAL_FP =
  "SHA256:64:9D:1A:1E:7B:D3:0E:C7:B2:07:53:2D:41:D5:CE:AD:E3:B4:8D:74:96:A2:E8:DC:68:C7:64:FE:FC:6B:7C:D5";
const ERRORS_FP =
  "SHA256:4D:6C:F8:4F:42:85:F8:C2:5C:84:FD:3D:8F:C0:D6:5B:68:BA:EA:D5:9E:50:84:51:5A:EC:F1:A7:48:AB:1F:38";

/** Every artifact `cert inspect` knows under the fixture root: zips, PEM files and the folders. */
function fixtureArtifacts(): string[] {
  const found: string[] = [];
  const skip = new Set(["logs", "HOME", "outputs", "expected", "diffs", "startup"]);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const names = readdirSync(path);
        const artifact =
          names.includes("ca.json") ||
          names.includes("startup") ||
          names.includes("request.json") ||
          /^prod_\d\d$/.test(entry.name);
        if (artifact) found.push(path);
        if (!skip.has(entry.name)) walk(path);
      } else if (/\.(zip|crt|csr|key|pem)$/.test(entry.name)) {
        found.push(path);
      }
    }
  };
  walk(FIXTURES);
  return found.sort();
}

/** The fixture artifacts that are broken on purpose, and the checks that must name the defect. */
const EXPECTED_FAILURES: Record<string, string[]> = {
  "errors/work/cases/request-zip-path-traversal/site-1.request.zip": ["zip-safety"],
  "errors/work/cases/request-zip-with-key/site-1.request.zip": ["zip-safety"],
  "errors/work/cases/tampered-request-json-hash/site-1.request.zip": ["csr-hash"],
  "errors/work/cases/tampered-signed-json/site-1.signed.zip": ["signature"],
  // site-3's key was deleted, site-4's replaced by a foreign key after approval (CATALOGUE.md,
  // errors/).
  "errors/work/site-3": ["key-matches-request", "matches-signed-zip", "key-matches-certificate"],
  "errors/work/site-4": ["key-matches-request", "matches-signed-zip", "key-matches-certificate"],
  // The design document's combination: server override mtls, everyone else tls (CATALOGUE.md,
  // hospital/ and local-demo/).
  "hospital/work/workspace/hospital_federation/prod_00": ["same-connection-security"],
  "local-demo/grpc-tls-server-mtls/work/workspace/local_demo/prod_00": ["same-connection-security"],
};

describe("cert inspect on every reference fixture artifact", () => {
  test("inspects each one; only the broken-on-purpose ones fail, each on the check naming its defect", async () => {
    const env = {
      cwd: FIXTURES,
      home: FIXTURES,
      // After every fixture's notBefore, long before any expiry.
      deps: fixedDeps(new Date("2027-01-01T00:00:00Z")),
      note: () => {},
      textWarning: () => {},
    };
    const kinds = new Map<string, number>();
    const failures: Record<string, string[]> = {};
    for (const path of fixtureArtifacts()) {
      const result = await inspectPath({ path }, env);
      kinds.set(result.report.artifact, (kinds.get(result.report.artifact) ?? 0) + 1);
      if (result.failed.length > 0) failures[relative(FIXTURES, path)] = result.failed;
      assert.ok(!JSON.stringify(result.report).includes("PRIVATE KEY-----"), path);
    }
    assert.deepEqual(failures, EXPECTED_FAILURES);
    for (const kind of [
      "request-zip",
      "signed-zip",
      "ca-dir",
      "request-dir",
      "startup-kit",
      "kit-set",
      "certificate",
      "csr",
      "private-key",
    ]) {
      assert.ok((kinds.get(kind) ?? 0) > 0, `no ${kind} among the fixtures`);
    }
  });
});

describe("cert inspect through the CLI, on copies of the fixtures", () => {
  const { dir, cleanup } = makeTempDir("flare-inspect-");
  const work = join(dir, "hospital", "work");
  const errors = join(dir, "errors", "work");
  const home = join(dir, "home");
  const cli = (...args: string[]) => runCli(args, { cwd: work, home });
  const json = (...args: string[]) => runCli(["--format", "json", ...args], { cwd: work, home });

  before(() => {
    mkdirSync(home);
    copyScenario("hospital", join(dir, "hospital"));
    copyScenario("errors", join(dir, "errors"));
  });
  after(cleanup);

  /** Rewrites a zip copy with one member replaced. */
  function editZip(path: string, member: string, edit: (bytes: Uint8Array) => Uint8Array): void {
    const entries = readZip(new Uint8Array(readFileSync(path)));
    writeFileSync(
      path,
      writeZip(
        entries.map((e) => ({ name: e.name, data: e.name === member ? edit(e.data) : e.data })),
        { date: new Date("2026-11-27T15:00:00Z") },
      ),
    );
  }

  function failedOf(run: CliRun): string[] {
    assert.equal(run.code, 4, run.stdout + run.stderr);
    assert.equal(run.json?.error_code, "INSPECT_CHECKS_FAILED");
    return ((run.json?.data ?? {}) as { failed: string[] }).failed;
  }

  test("text mode: facts, one line per check and a result line on stdout; nothing on stderr", () => {
    const run = cli("cert", "inspect", "hospital-a/hospital-a.signed.zip", "--fingerprint", HOSPITAL_FP);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    const lines = run.stdout.split("\n");
    assert.deepEqual(lines.slice(0, 4), [
      "artifact: signed-zip",
      `path: ${join(work, "hospital-a", "hospital-a.signed.zip")}`,
      "name: hospital-a",
      "type: client",
    ]);
    for (const fact of [
      "org: hospital_alpha",
      "project: hospital_federation",
      "serial: 0x5c2f71f96fd2ddadb83b354ffedb3badef3675ae",
      "valid_until: 2029-11-26T15:01:34Z",
      "sans: DNS:hospital-a",
      "deploy_version: 00",
      `rootca_fingerprint_sha256: ${HOSPITAL_FP}`,
      "scheme: grpc",
      "connection_security: tls",
      "endpoint: grpc://server1.hospital-central.org:8002",
    ]) {
      assert.ok(lines.includes(fact), fact);
    }
    assert.ok(lines.some((l) => /^days_left: \d+$/.test(l)));
    assert.ok(
      lines.includes(
        "  ok   signature: signed.json.sig (RSA-PSS) verifies over signed.json with the included rootCA.pem",
      ),
    );
    assert.ok(
      lines.includes(
        "  ok   expected-fingerprint: the included rootCA.pem has the expected out-of-band fingerprint",
      ),
    );
    assert.equal(lines.at(-2), "result: ok, all 21 checks passed");
  });

  test("JSON mode: one envelope with artifact, ordered facts, checks and an empty failed list", () => {
    const run = json("cert", "inspect", "ca");
    const data = okData(run) as unknown as {
      artifact: string;
      facts: Record<string, unknown>;
      checks: Array<{ id: string; ok: boolean; detail: string }>;
      failed: string[];
    };
    assert.equal(run.stderr, "");
    assert.equal(data.artifact, "ca-dir");
    assert.deepEqual(Object.keys(data.facts).slice(0, 4), [
      "path",
      "project",
      "deploy_version",
      "created_at",
    ]);
    assert.equal(data.facts.rootca_fingerprint_sha256, HOSPITAL_FP);
    assert.deepEqual(
      data.checks.map((c) => c.id),
      ["ca-info", "key-matches-certificate", "ca-usable", "self-signature"],
    );
    assert.deepEqual(data.failed, []);
  });

  test("never prints a private key: a key file, the CA folder and a request folder", () => {
    for (const target of [
      "hospital-a/hospital-a.key",
      "ca",
      "hospital-a",
      "workspace/hospital_federation/prod_00/hospital-a",
    ]) {
      for (const run of [cli("cert", "inspect", target), json("cert", "inspect", target)]) {
        assert.ok(!/PRIVATE KEY-----|MII[A-Za-z0-9+/]{20}/.test(run.stdout + run.stderr), target);
      }
    }
    const key = okData(json("cert", "inspect", "hospital-a/hospital-a.key")) as unknown as {
      facts: Record<string, string>;
    };
    assert.deepEqual(Object.keys(key.facts), ["path", "key", "key_type", "public_key_sha256"]);
  });

  test("a failed check: the report on stdout, the error on stderr, exit 4", () => {
    const run = cli("cert", "inspect", "workspace/hospital_federation/prod_00");
    assert.equal(run.code, 4);
    assert.match(
      run.stdout,
      /\n {2}FAIL same-connection-security: server server1\.hospital-central\.org uses mtls but .* use tls \(a server on mtls requires client certificates and refuses tls clients and admins, which then never register or log in\)\n/,
    );
    assert.match(run.stdout, /\nkit hospital-a:\n {2}artifact: startup-kit\n/);
    assert.equal(
      run.stderr,
      "1 of 44 checks failed: same-connection-security.\n" +
        "Hint: Each failed check names what is wrong; replace the artifact or ask its producer to regenerate it.\n" +
        "Code: INSPECT_CHECKS_FAILED (exit 4)\n",
    );
  });

  test("JSON mode keeps the report in the error envelope's data", () => {
    const run = json("cert", "inspect", "workspace/hospital_federation/prod_00");
    assert.deepEqual(failedOf(run), ["same-connection-security"]);
    const data = run.json?.data as { artifact: string; kits: Array<{ facts: { folder: string } }> };
    assert.equal(data.artifact, "kit-set");
    assert.equal(data.kits.length, 5);
    assert.equal(run.json?.message, "1 of 44 checks failed: same-connection-security.");
  });

  const tampers: Array<{
    label: string;
    target: string;
    tamper: () => void;
    args?: string[];
    failed: string[];
  }> = [
    {
      label: "a request zip whose site.yaml was edited",
      target: "alice@hospital-alpha.org/alice@hospital-alpha.org.request.zip",
      tamper: () =>
        editZip(
          join(work, "alice@hospital-alpha.org/alice@hospital-alpha.org.request.zip"),
          "site.yaml",
          (b) => new Uint8Array([...b, ...new TextEncoder().encode("# edited\n")]),
        ),
      failed: ["site-yaml-hash"],
    },
    {
      label: "a signed zip whose signed.json was edited (tls -> clear)",
      target: "bob@hospital-alpha.org/bob@hospital-alpha.org.signed.zip",
      tamper: () =>
        editZip(join(work, "bob@hospital-alpha.org/bob@hospital-alpha.org.signed.zip"), "signed.json", (b) =>
          new TextEncoder().encode(new TextDecoder().decode(b).replace('"tls"', '"clear"')),
        ),
      failed: ["signature"],
    },
    {
      label: "a signed zip from another CA, with the expected fingerprint",
      target: join(errors, "cases/signed-zip-from-other-ca/site-2.signed.zip"),
      tamper: () => {},
      args: ["--fingerprint", ERRORS_FP],
      failed: ["expected-fingerprint"],
    },
    {
      label: "a CA folder whose rootCA.key belongs to another CA",
      target: join(errors, "ca"),
      tamper: () =>
        writeFileSync(join(errors, "ca/rootCA.key"), readFileSync(join(errors, "ca-other/rootCA.key"))),
      failed: ["key-matches-certificate"],
    },
    {
      label: "a kit whose rootCA.pem was replaced",
      target: "workspace/hospital_federation/prod_00/carol@hospital-beta.org",
      tamper: () =>
        writeFileSync(
          join(work, "workspace/hospital_federation/prod_00/carol@hospital-beta.org/startup/rootCA.pem"),
          readFileSync(join(errors, "ca-other/rootCA.pem")),
        ),
      failed: ["chain"],
    },
    {
      label: "a request folder whose CSR was swapped",
      target: "hospital-a",
      tamper: () =>
        writeFileSync(
          join(work, "hospital-a/hospital-a.csr"),
          readFileSync(join(work, "bob@hospital-alpha.org/bob@hospital-alpha.org.csr")),
        ),
      failed: ["csr-hash"],
    },
    {
      label: "a certificate with the wrong rootCA.pem beside it",
      target: "server1.hospital-central.org/server1.hospital-central.org.crt",
      tamper: () =>
        writeFileSync(
          join(work, "server1.hospital-central.org/rootCA.pem"),
          readFileSync(join(errors, "ca/rootCA.pem")),
        ),
      failed: ["chain"],
    },
  ];
  for (const t of tampers) {
    test(`detects and names the tamper: ${t.label}`, () => {
      t.tamper();
      assert.deepEqual(failedOf(json("cert", "inspect", t.target, ...(t.args ?? []))), t.failed);
    });
  }

  test("flags kits whose certificates expire within 30 days (approved here for 10 days)", () => {
    // A fresh copy: the tamper tests above changed this scenario's CA.
    const fresh = join(copyScenario("errors", join(dir, "errors-expiry")), "work");
    const run = (...args: string[]) => runCli(["--format", "json", ...args], { cwd: fresh, home });
    okData(
      run(
        "cert",
        "approve",
        "site-5/site-5.request.zip",
        "-c",
        "ca",
        "--profile",
        "project_profile.yaml",
        "--valid-days",
        "10",
        "--force",
      ),
    );
    okData(run("package", "site-5/site-5.signed.zip", "--request-dir", "site-5", "--fingerprint", ERRORS_FP));
    const inspected = run("cert", "inspect", "workspace/hospital_federation/prod_00");
    assert.deepEqual(failedOf(inspected), ["expiry-window"]);
    const check = (
      (inspected.json?.data ?? {}) as { checks: Array<{ id: string; detail: string }> }
    ).checks.find((c) => c.id === "expiry-window");
    assert.match(
      check?.detail ?? "",
      /^expiring within 30 days: site-5 certificate expires \S+ \((9|10) days\)$/,
    );
  });

  test("refuses a --fingerprint that is no fingerprint, a missing path and a file of another kind", () => {
    const bad = cli("cert", "inspect", "ca", "--fingerprint", "nope");
    assert.equal(bad.code, 4);
    assert.match(
      bad.stderr,
      /^Invalid expected root CA SHA256 fingerprint: 'nope'\.\n.*\nCode: INVALID_ROOTCA_FINGERPRINT \(exit 4\)\n$/,
    );
    const missing = json("cert", "inspect", "nowhere.zip");
    assert.equal(missing.json?.error_code, "INVALID_ARGS");
    assert.match(
      String(missing.json?.message),
      /nothing to inspect at .*nowhere\.zip: no such file or directory$/,
    );
    const yaml = json("cert", "inspect", "project_profile.yaml");
    assert.match(String(yaml.json?.message), /cannot tell what .*project_profile\.yaml is/);
    const workspace = json("cert", "inspect", "workspace/hospital_federation");
    assert.equal(workspace.json?.hint, "It holds prod_00: inspect one of them.");
  });
});

describe("package warns when a server's connection security differs from the project default", () => {
  const { dir, cleanup } = makeTempDir("flare-warn-");
  const work = join(dir, "hospital", "work");
  const home = join(dir, "home");
  before(() => {
    mkdirSync(home);
    copyScenario("hospital", join(dir, "hospital"));
  });
  after(cleanup);

  const server = "server1.hospital-central.org";
  const warning =
    "Warning: the server's local connection_security 'mtls' differs from the approved project default 'tls'. " +
    "Clients and admins are packaged with the project default 'tls': a server on mtls requires client certificates " +
    "and refuses tls clients and admins, which then never register or log in. Remove connection_security from the " +
    "server's participant definition, or ask the Project Admin to change connection_security in project_profile.yaml.";

  test("text mode prints the warning on stdout; JSON mode on stderr", () => {
    const pkg = (format: string[], ws: string) =>
      runCli(
        [
          ...format,
          "package",
          `${server}/${server}.signed.zip`,
          "--request-dir",
          server,
          "-w",
          ws,
          "--fingerprint",
          HOSPITAL_FP,
        ],
        { cwd: work, home },
      );
    const text = pkg([], "ws-text");
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stdout.split("\n").includes(warning));
    const asJson = pkg(["--format", "json"], "ws-json");
    assert.equal(asJson.code, 0, asJson.stderr);
    assert.ok(asJson.stderr.split("\n").includes(warning));
    assert.equal(asJson.stdout.split("\n").filter(Boolean).length, 1);
  });

  test("a client is packaged without the warning", () => {
    const run = runCli(
      [
        "package",
        "hospital-a/hospital-a.signed.zip",
        "--request-dir",
        "hospital-a",
        "-w",
        "ws-client",
        "--fingerprint",
        HOSPITAL_FP,
      ],
      { cwd: work, home },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stdout.includes("connection_security"));
  });
});

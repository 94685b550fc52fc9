import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import { checkDetail, failedChecks, HOSPITAL_FP } from "../../../test/helpers/artifacts.ts";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { fixturePath, readFixture } from "../../../test/helpers/fixtures.ts";
import { inspectRequestDir, type RequestDirInput } from "./inspect-request-dir.ts";

const deps = fixedDeps();

/** A fixture request folder as the node layer reads it. */
function folder(dir: string, name: string): RequestDirInput {
  const file = (f: string) => (existsSync(fixturePath(dir, f)) ? readFixture(dir, f) : undefined);
  return {
    name,
    requestJson: file("request.json"),
    siteYaml: file("site.yaml"),
    key: file(`${name}.key`),
    csr: file(`${name}.csr`),
    requestZip: file(`${name}.request.zip`),
    signedZip: file(`${name}.signed.zip`),
    signedJson: file("signed.json"),
    certificate: file(`${name}.crt`),
    rootCa: file("rootCA.pem"),
  };
}

describe("inspectRequestDir", () => {
  test("passes every check of a packaged request folder holding its signed zip", async () => {
    const report = await inspectRequestDir(
      folder("hospital/work/hospital-a", "hospital-a"),
      { expectedFingerprint: HOSPITAL_FP },
      deps,
    );
    assert.deepEqual(failedChecks(report), []);
    const ids = report.checks.map((c) => c.id);
    for (const id of [
      "request-json",
      "local-site",
      "csr-hash",
      "key-matches-request",
      "request-zip.csr-hash",
      "request-json-matches-zip",
      "signed-zip.signature",
      "matches-signed-zip",
      "chain",
      "valid-now",
      "key-matches-certificate",
      "expected-fingerprint",
    ]) {
      assert.ok(ids.includes(id), id);
    }
  });

  test("shows the server's local connection_security override next to the approved default", async () => {
    const name = "server1.hospital-central.org";
    const report = await inspectRequestDir(folder(`hospital/work/${name}`, name), {}, deps);
    assert.equal(report.facts.connection_security_override, "mtls");
    assert.equal(report.facts.connection_security, "tls");
    assert.equal(report.facts.endpoint, "grpc://server1.hospital-central.org:8002");
  });

  test("uses the materialized certificate and rootCA.pem when the signed zip is elsewhere (carol)", async () => {
    const name = "carol@hospital-beta.org";
    const report = await inspectRequestDir(
      folder(`hospital/work/${name}`, name),
      { expectedFingerprint: HOSPITAL_FP },
      deps,
    );
    assert.deepEqual(failedChecks(report), []);
    assert.ok(report.checks.some((c) => c.id === "chain" && c.ok));
    assert.ok(!report.checks.some((c) => c.id.startsWith("signed-zip.")));
    assert.equal(report.facts.role, "member");
  });

  test("names the key that was replaced after approval (errors site-4)", async () => {
    const report = await inspectRequestDir(folder("errors/work/site-4", "site-4"), {}, deps);
    assert.deepEqual(failedChecks(report), [
      "key-matches-request",
      "matches-signed-zip",
      "key-matches-certificate",
    ]);
    assert.equal(
      checkDetail(report, "key-matches-request"),
      "KEY_CERT_MISMATCH: The private key site-4.key does not match request.json public_key_sha256.",
    );
    assert.equal(
      checkDetail(report, "key-matches-certificate"),
      "KEY_CERT_MISMATCH: The local private key does not match the signed certificate.",
    );
  });

  test("names the key that was deleted (errors site-3)", async () => {
    const report = await inspectRequestDir(folder("errors/work/site-3", "site-3"), {}, deps);
    assert.equal(
      checkDetail(report, "key-matches-request"),
      "KEY_NOT_FOUND: Private key file not found: site-3.key.",
    );
    assert.ok(!(report.facts.files as string[]).includes("site-3.key"));
  });

  test("reports a folder whose request zip is gone", async () => {
    const input = { ...folder("errors/work/site-5", "site-5"), requestZip: undefined };
    const report = await inspectRequestDir(input, {}, deps);
    assert.deepEqual(failedChecks(report), ["request-zip"]);
    assert.equal(checkDetail(report, "request-zip"), "site-5.request.zip is not in the folder");
  });

  test("fails --fingerprint when the folder has no root CA yet", async () => {
    const input = { ...folder("errors/work/site-5", "site-5"), signedZip: undefined };
    const report = await inspectRequestDir(input, { expectedFingerprint: HOSPITAL_FP }, deps);
    assert.deepEqual(failedChecks(report), ["expected-fingerprint"]);
  });
});

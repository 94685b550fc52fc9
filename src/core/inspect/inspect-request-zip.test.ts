import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkDetail, editedZip, failedChecks } from "../../../test/helpers/artifacts.ts";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { utf8 } from "../bytes/encoding.ts";
import { inspectRequestZip } from "./inspect-request-zip.ts";

const deps = fixedDeps();
const H = "hospital/work";
const E = "errors/work";

describe("inspectRequestZip", () => {
  test("passes every check of each reference request zip and states its identity", async () => {
    for (const name of [
      "server1.hospital-central.org",
      "hospital-a",
      "alice@hospital-alpha.org",
      "bob@hospital-alpha.org",
      "carol@hospital-beta.org",
    ]) {
      const report = await inspectRequestZip(readFixture(H, name, `${name}.request.zip`), {}, deps);
      assert.deepEqual(failedChecks(report), [], name);
      assert.equal(report.checks.length, 12, name);
      assert.equal(report.facts.name, name);
    }
  });

  test("reports the facts of hospital-a in a fixed order", async () => {
    const report = await inspectRequestZip(readFixture(H, "hospital-a/hospital-a.request.zip"), {}, deps);
    assert.deepEqual(Object.keys(report.facts), [
      "name",
      "type",
      "role",
      "org",
      "project",
      "kind",
      "request_id",
      "created_at",
      "csr_subject",
      "public_key_sha256",
      "request_code",
      "members",
      "sha256",
    ]);
    assert.equal(report.facts.type, "client");
    assert.equal(report.facts.role, null);
    assert.equal(report.facts.org, "hospital_alpha");
    assert.equal(report.facts.request_id, "756da6541626428cacd2ea884ad60507");
    assert.equal(
      report.facts.public_key_sha256,
      "4080542e13402b23759d9da32fca5c90dd58623ab8b13459a81acea546165cfe",
    );
    assert.deepEqual(report.facts.members, ["request.json", "site.yaml", "hospital-a.csr"]);
  });

  test("shows the host names a server request proposes as SANs", async () => {
    const name = "server1.hospital-central.org";
    const report = await inspectRequestZip(readFixture(H, name, `${name}.request.zip`), {}, deps);
    assert.deepEqual(report.facts.host_names, ["10.0.1.50", "fl-server.internal"]);
  });

  const tampered: Array<{ label: string; zip: () => Uint8Array; failed: string[]; detail: RegExp }> = [
    {
      label: "a request zip carrying the private key (errors fixture)",
      zip: () => readFixture(E, "cases/request-zip-with-key/site-1.request.zip"),
      failed: ["zip-safety"],
      detail: /request zip must not contain private keys: site-1\.key$/,
    },
    {
      label: "a member named ../x (errors fixture)",
      zip: () => readFixture(E, "cases/request-zip-path-traversal/site-1.request.zip"),
      failed: ["zip-safety"],
      detail: /unsafe zip member or path traversal: \.\.\/x$/,
    },
    {
      label: "request.json csr_sha256 changed (errors fixture)",
      zip: () => readFixture(E, "cases/tampered-request-json-hash/site-1.request.zip"),
      failed: ["csr-hash"],
      detail: /CSR hash does not match request metadata$/,
    },
    {
      label: "site.yaml edited after the request was made",
      zip: () =>
        editedZip(["hospital/work/hospital-a/hospital-a.request.zip"], (m) =>
          m.set("site.yaml", utf8(`${new TextDecoder().decode(m.get("site.yaml"))}# edited\n`)),
        ),
      failed: ["site-yaml-hash"],
      detail: /site\.yaml hash does not match request metadata$/,
    },
    {
      label: "the CSR swapped for another participant's",
      zip: () =>
        editedZip(["hospital/work/hospital-a/hospital-a.request.zip"], (m) =>
          m.set("hospital-a.csr", readFixture(H, "alice@hospital-alpha.org/alice@hospital-alpha.org.csr")),
        ),
      failed: ["csr-subject", "csr-hash", "public-key-hash"],
      detail: /CSR common name does not match request metadata$/,
    },
    {
      label: "an extra member",
      zip: () =>
        editedZip(["hospital/work/hospital-a/hospital-a.request.zip"], (m) =>
          m.set("notes.txt", utf8("hello\n")),
        ),
      failed: ["member-set"],
      detail: /request zip must contain only: hospital-a\.csr, request\.json, site\.yaml$/,
    },
  ];
  for (const t of tampered) {
    test(`names the check that catches ${t.label}`, async () => {
      const report = await inspectRequestZip(t.zip(), {}, deps);
      assert.deepEqual(failedChecks(report), t.failed);
      assert.match(checkDetail(report, t.failed[0] as string), t.detail);
    });
  }

  test("skips the checks that need a member set the zip does not have", async () => {
    const report = await inspectRequestZip(
      readFixture(E, "cases/request-zip-with-key/site-1.request.zip"),
      {},
      deps,
    );
    assert.ok(report.checks.slice(1).every((c) => c.skipped));
    assert.equal(checkDetail(report, "request-json"), "not checked: needs zip-safety");
  });

  test("fails --fingerprint: a request zip holds no root CA", async () => {
    const report = await inspectRequestZip(
      readFixture(H, "hospital-a/hospital-a.request.zip"),
      { expectedFingerprint: "AA" },
      deps,
    );
    assert.deepEqual(failedChecks(report), ["expected-fingerprint"]);
    assert.equal(
      checkDetail(report, "expected-fingerprint"),
      "--fingerprint was given but a request zip holds no root CA certificate to compare it with",
    );
  });
});

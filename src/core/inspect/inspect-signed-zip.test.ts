import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  checkDetail,
  ERRORS_FP,
  editedZip,
  failedChecks,
  HOSPITAL_FP,
} from "../../../test/helpers/artifacts.ts";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { utf8 } from "../bytes/encoding.ts";
import { inspectSignedZip } from "./inspect-signed-zip.ts";

const deps = fixedDeps();
const H = "hospital/work";
const E = "errors/work";

const inspect = (zip: Uint8Array, expectedFingerprint?: string) =>
  inspectSignedZip(zip, { label: "x.signed.zip", expectedFingerprint }, deps);

describe("inspectSignedZip", () => {
  test("passes every check of each reference signed zip with the shared fingerprint", async () => {
    for (const [name, path] of [
      [
        "server1.hospital-central.org",
        "server1.hospital-central.org/server1.hospital-central.org.signed.zip",
      ],
      ["hospital-a", "hospital-a/hospital-a.signed.zip"],
      ["alice@hospital-alpha.org", "alice@hospital-alpha.org/alice@hospital-alpha.org.signed.zip"],
      ["bob@hospital-alpha.org", "bob@hospital-alpha.org/bob@hospital-alpha.org.signed.zip"],
      ["carol@hospital-beta.org", "signed/carol@hospital-beta.org.signed.zip"],
    ] as const) {
      const report = await inspect(readFixture(H, path), HOSPITAL_FP);
      assert.deepEqual(failedChecks(report), [], name);
      assert.ok(report.checks.some((c) => c.id === "expected-fingerprint" && c.ok));
      assert.equal(report.facts.name, name);
    }
  });

  test("states identity, certificate, deploy version, fingerprint, scheme, security and endpoint", async () => {
    const name = "server1.hospital-central.org";
    const report = await inspect(readFixture(H, name, `${name}.signed.zip`));
    const f = report.facts;
    assert.equal(f.type, "server");
    assert.equal(f.role, null);
    assert.equal(f.org, "hospital_central");
    assert.equal(f.project, "hospital_federation");
    assert.equal(f.serial, "0x705f7905a0ae135f9300b302e8180c4111bdb5cc");
    assert.equal(f.valid_until, "2029-11-26T15:01:27Z");
    assert.equal(f.days_left, 1094);
    assert.deepEqual(f.sans, ["DNS:server1.hospital-central.org", "IP:10.0.1.50", "DNS:fl-server.internal"]);
    assert.equal(f.deploy_version, "00");
    assert.equal(f.rootca_fingerprint_sha256, HOSPITAL_FP);
    assert.equal(f.scheme, "grpc");
    assert.equal(f.connection_security, "tls");
    assert.equal(f.endpoint, "grpc://server1.hospital-central.org:8002");
    assert.equal(f.admin_port, 8003);
  });

  test("shows a user's role", async () => {
    const report = await inspect(
      readFixture(H, "alice@hospital-alpha.org/alice@hospital-alpha.org.signed.zip"),
    );
    assert.equal(report.facts.type, "lead");
    assert.equal(report.facts.role, "lead");
  });

  const tampered: Array<{
    label: string;
    zip: () => Uint8Array;
    fp?: string;
    failed: string[];
    detail: string;
  }> = [
    {
      label: "signed.json edited after signing (errors fixture: tls -> clear)",
      zip: () => readFixture(E, "cases/tampered-signed-json/site-1.signed.zip"),
      failed: ["signature"],
      detail:
        "INVALID_SIGNED_ZIP: Signed approval metadata signature is invalid: the RSA-PSS signature does not verify with the included rootCA.pem.",
    },
    {
      label: "a genuine zip from another CA, with the expected fingerprint (errors fixture)",
      zip: () => readFixture(E, "cases/signed-zip-from-other-ca/site-2.signed.zip"),
      fp: ERRORS_FP,
      failed: ["expected-fingerprint"],
      detail:
        "ROOTCA_FINGERPRINT_MISMATCH: Root CA SHA256 fingerprint does not match the expected out-of-band value.",
    },
    {
      label: "site.yaml edited",
      zip: () =>
        editedZip(["hospital/work/hospital-a/hospital-a.signed.zip"], (m) =>
          m.set("site.yaml", utf8(`${new TextDecoder().decode(m.get("site.yaml"))}# x\n`)),
        ),
      failed: ["site-yaml-hash"],
      detail: "INVALID_SIGNED_ZIP: Hash mismatch for site.yaml in signed zip.",
    },
    {
      label: "the certificate swapped for another participant's (same CA)",
      zip: () =>
        editedZip(["hospital/work/hospital-a/hospital-a.signed.zip"], (m) =>
          m.set("hospital-a.crt", readFixture(H, "bob@hospital-alpha.org/bob@hospital-alpha.org.crt")),
        ),
      failed: ["certificate-hash", "public-key-hash", "certificate-identity"],
      detail: "INVALID_SIGNED_ZIP: Hash mismatch for cert in signed zip.",
    },
    {
      label: "rootCA.pem swapped for another CA's (same project name)",
      zip: () =>
        editedZip(["hospital/work/hospital-a/hospital-a.signed.zip"], (m) =>
          m.set("rootCA.pem", readFixture(E, "ca/rootCA.pem")),
        ),
      failed: ["signature", "rootca-hash", "ca-fingerprint", "chain"],
      detail:
        "INVALID_SIGNED_ZIP: Signed approval metadata signature is invalid: the RSA-PSS signature does not verify with the included rootCA.pem.",
    },
  ];
  for (const t of tampered) {
    test(`names the check that catches ${t.label}`, async () => {
      const report = await inspect(t.zip(), t.fp);
      assert.deepEqual(failedChecks(report), t.failed);
      assert.equal(checkDetail(report, t.failed[0] as string), t.detail);
    });
  }

  test("flags an expired certificate with package's CERT_EXPIRED message", async () => {
    const late = fixedDeps(new Date("2030-01-01T00:00:00Z"));
    const report = await inspectSignedZip(
      readFixture(H, "hospital-a/hospital-a.signed.zip"),
      { label: "x" },
      late,
    );
    assert.deepEqual(failedChecks(report), ["valid-now"]);
    assert.equal(
      checkDetail(report, "valid-now"),
      "CERT_EXPIRED: Certificate hospital-a.crt expired at 2029-11-26T15:01:34Z.",
    );
    assert.equal(report.facts.days_left, -36);
  });
});

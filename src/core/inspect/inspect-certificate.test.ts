import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HOSPITAL_FP } from "../../../test/helpers/artifacts.ts";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { utf8 } from "../bytes/encoding.ts";
import { inspectCertificate } from "./inspect-certificate.ts";
import type { InspectReport } from "./types.ts";

const deps = fixedDeps();
const H = "hospital/work";

function summary(report: InspectReport): Array<[string, boolean]> {
  return report.checks.map((c) => [c.id, c.ok]);
}

describe("inspectCertificate", () => {
  test("checks a root CA for its self-signature and reports its fingerprint as the root's", async () => {
    const report = await inspectCertificate(
      readFixture(H, "ca/rootCA.pem"),
      { label: "rootCA.pem", expectedFingerprint: HOSPITAL_FP },
      deps,
    );
    assert.deepEqual(summary(report), [
      ["certificate", true],
      ["valid-now", true],
      ["self-signature", true],
      ["expected-fingerprint", true],
    ]);
    assert.equal(report.facts.type, "root CA");
    assert.equal(report.facts.project, "hospital_federation");
    assert.equal(report.facts.fingerprint_sha256, HOSPITAL_FP);
    assert.equal(report.facts.rootca_fingerprint_sha256, HOSPITAL_FP);
  });

  test("checks a participant certificate against the rootCA.pem beside it", async () => {
    const report = await inspectCertificate(
      readFixture(H, "hospital-a/hospital-a.crt"),
      { label: "hospital-a.crt", root: readFixture(H, "hospital-a/rootCA.pem") },
      deps,
    );
    assert.deepEqual(summary(report), [
      ["certificate", true],
      ["valid-now", true],
      ["rootca", true],
      ["chain", true],
    ]);
    assert.deepEqual(
      [report.facts.name, report.facts.type, report.facts.role, report.facts.org],
      ["hospital-a", "client", null, "hospital_alpha"],
    );
    assert.deepEqual(report.facts.sans, ["DNS:hospital-a"]);
  });

  test("names the broken chain when the root beside it is another CA's", async () => {
    const report = await inspectCertificate(
      readFixture(H, "hospital-a/hospital-a.crt"),
      { label: "hospital-a.crt", root: readFixture("errors/work/ca/rootCA.pem") },
      deps,
    );
    assert.deepEqual(
      report.checks.filter((c) => !c.ok).map((c) => [c.id, c.detail]),
      [["chain", "CERT_CHAIN_INVALID: Certificate hospital-a.crt is not signed by root CA rootCA.pem."]],
    );
  });

  test("without a root only expiry is checked, and --fingerprint fails for want of a root", async () => {
    const report = await inspectCertificate(
      readFixture(H, "hospital-a/hospital-a.crt"),
      { label: "hospital-a.crt", expectedFingerprint: HOSPITAL_FP },
      deps,
    );
    assert.deepEqual(summary(report), [
      ["certificate", true],
      ["valid-now", true],
      ["expected-fingerprint", false],
    ]);
  });

  test("reports a certificate that is not yet valid", async () => {
    const early = fixedDeps(new Date("2026-01-01T00:00:00Z"));
    const report = await inspectCertificate(
      readFixture(H, "hospital-a/hospital-a.crt"),
      { label: "hospital-a.crt" },
      early,
    );
    assert.equal(
      report.checks.find((c) => c.id === "valid-now")?.detail,
      "Certificate hospital-a.crt is not valid before 2026-11-27T15:01:34Z.",
    );
  });

  test("fails, without throwing, on a damaged certificate", async () => {
    const report = await inspectCertificate(
      utf8("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
      { label: "bad.crt" },
      deps,
    );
    assert.deepEqual(summary(report), [
      ["certificate", false],
      ["valid-now", false],
    ]);
    assert.match(report.checks[0]?.detail ?? "", /^bad\.crt is not a readable certificate: /);
  });
});

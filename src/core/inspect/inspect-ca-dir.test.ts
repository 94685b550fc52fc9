import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkDetail, failedChecks, HOSPITAL_FP } from "../../../test/helpers/artifacts.ts";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { type CaDirInput, inspectCaDir } from "./inspect-ca-dir.ts";

const deps = fixedDeps();

function ca(dir = "hospital/work/ca", overrides: Partial<CaDirInput> = {}): CaDirInput {
  return {
    caDir: "ca",
    caJson: { path: "ca/ca.json", bytes: readFixture(dir, "ca.json") },
    rootCaPem: { path: "ca/rootCA.pem", bytes: readFixture(dir, "rootCA.pem") },
    rootCaKey: { path: "ca/rootCA.key", bytes: readFixture(dir, "rootCA.key") },
    ...overrides,
  };
}

function caJsonWith(edit: (json: Record<string, unknown>) => void): CaDirInput["caJson"] {
  const json = JSON.parse(fromUtf8(readFixture("hospital/work/ca/ca.json"))) as Record<string, unknown>;
  edit(json);
  return { path: "ca/ca.json", bytes: utf8(JSON.stringify(json)) };
}

describe("inspectCaDir", () => {
  test("passes every check of the reference CA, the expected fingerprint included", async () => {
    const report = await inspectCaDir(ca(), { expectedFingerprint: HOSPITAL_FP }, deps);
    assert.deepEqual(
      report.checks.map((c) => [c.id, c.ok]),
      [
        ["ca-info", true],
        ["key-matches-certificate", true],
        ["ca-usable", true],
        ["self-signature", true],
        ["expected-fingerprint", true],
      ],
    );
  });

  test("states project, deploy version, validity and fingerprint, and describes the key without showing it", async () => {
    const report = await inspectCaDir(ca(), {}, deps);
    const f = report.facts;
    assert.equal(f.project, "hospital_federation");
    assert.equal(f.deploy_version, "00");
    assert.equal(f.created_at, "2026-11-27T15:00:50Z");
    assert.equal(f.valid_until, "2036-11-24T15:00:50Z");
    assert.equal(f.is_ca, true);
    assert.equal(f.rootca_fingerprint_sha256, HOSPITAL_FP);
    assert.equal(
      f.key,
      "rootCA.key: RSA 2048-bit, PKCS#1 (RSA PRIVATE KEY), unencrypted (contents never shown)",
    );
    assert.ok(!JSON.stringify(report).includes("PRIVATE KEY-----"));
  });

  test("reads deploy version 01 from deploy-01's CA", async () => {
    const report = await inspectCaDir(
      ca("deploy-01/work/ca"),
      {},
      fixedDeps(new Date("2027-01-01T00:00:00Z")),
    );
    assert.equal(report.facts.deploy_version, "01");
    assert.deepEqual(failedChecks(report), []);
  });

  const broken: Array<{
    label: string;
    input: () => CaDirInput;
    now?: string;
    failed: string[];
    detail: string;
  }> = [
    {
      label: "rootCA.key of another CA",
      input: () =>
        ca(undefined, {
          rootCaKey: { path: "ca/rootCA.key", bytes: readFixture("errors/work/ca-other/rootCA.key") },
        }),
      failed: ["key-matches-certificate"],
      detail:
        "CA_LOAD_FAILED: Failed to load root CA material from ca. \u2014 rootCA.key does not match rootCA.pem",
    },
    {
      label: "a missing rootCA.key",
      input: () => ca(undefined, { rootCaKey: { path: "ca/rootCA.key", bytes: undefined } }),
      failed: ["key-matches-certificate"],
      detail: "CA_NOT_FOUND: rootCA.key is missing from ca: this CA cannot approve requests.",
    },
    {
      label: "rootCA.pem of another CA",
      input: () =>
        ca(undefined, {
          rootCaPem: { path: "ca/rootCA.pem", bytes: readFixture("errors/work/ca-other/rootCA.pem") },
        }),
      failed: ["ca-info"],
      detail: "ROOTCA_FINGERPRINT_MISMATCH: Root CA fingerprint in ca.json does not match rootCA.pem.",
    },
    {
      label: "ca.json naming another project",
      input: () =>
        ca(undefined, {
          caJson: caJsonWith((j) => {
            j.project = "other_project";
          }),
        }),
      failed: ["ca-info"],
      detail:
        "PROJECT_CA_MISMATCH: CA project (ca.json) 'other_project' does not match root CA subject 'hospital_federation'.",
    },
    {
      label: "a three-digit deploy version in ca.json",
      input: () =>
        ca(undefined, {
          caJson: caJsonWith((j) => {
            j.provision_version = "001";
          }),
        }),
      failed: ["ca-info"],
      detail:
        "INVALID_ARGS: Invalid arguments. \u2014 CA provision_version must be exactly two digits, for example 00",
    },
    {
      label: "a root that has expired",
      input: () => ca(),
      now: "2037-01-01T00:00:00Z",
      failed: ["ca-usable"],
      detail:
        "CERT_SIGNING_FAILED: Certificate signing failed: CA certificate expired at 2036-11-24T15:00:50Z",
    },
  ];
  for (const b of broken) {
    test(`names the check that catches ${b.label}`, async () => {
      const report = await inspectCaDir(b.input(), {}, b.now ? fixedDeps(new Date(b.now)) : deps);
      assert.deepEqual(failedChecks(report), b.failed);
      assert.equal(checkDetail(report, b.failed[0] as string), b.detail);
    });
  }

  test("fails --fingerprint with another CA's fingerprint", async () => {
    const other =
      "SHA256:DB:E3:D6:E5:E7:61:61:E1:FC:B3:D6:46:83:B6:A2:3B:FB:0C:E1:F7:17:45:07:2E:41:F3:6B:7C:25:40:A3:6D";
    const report = await inspectCaDir(ca(), { expectedFingerprint: other }, deps);
    assert.deepEqual(failedChecks(report), ["expected-fingerprint"]);
  });
});

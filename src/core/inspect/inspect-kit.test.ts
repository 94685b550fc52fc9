import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkDetail, failedChecks, fixtureKitInput, HOSPITAL_FP } from "../../../test/helpers/artifacts.ts";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { inspectKit, type KitInput } from "./inspect-kit.ts";

const deps = fixedDeps();
const PROD = "hospital/work/workspace/hospital_federation/prod_00";

const kit = (folder: string, prod = PROD, version = "00"): KitInput => fixtureKitInput(prod, folder, version);

describe("inspectKit", () => {
  test("passes every check of each reference kit of the hospital", async () => {
    for (const name of [
      "server1.hospital-central.org",
      "hospital-a",
      "alice@hospital-alpha.org",
      "bob@hospital-alpha.org",
      "carol@hospital-beta.org",
    ]) {
      const report = await inspectKit(kit(name), { expectedFingerprint: HOSPITAL_FP }, deps);
      assert.deepEqual(failedChecks(report), [], name);
      assert.equal(report.checks.length, 9, name);
    }
  });

  test("states the server kit's endpoints and its own connection security", async () => {
    const report = await inspectKit(kit("server1.hospital-central.org"), {}, deps);
    const f = report.facts;
    assert.equal(f.kit, "server");
    assert.equal(f.type, "server");
    assert.equal(f.deploy_version, "00");
    assert.equal(f.connection_security, "mtls");
    assert.equal(f.endpoint, "grpc://server1.hospital-central.org:8002");
    assert.equal(f.admin_endpoint, "grpc://server1.hospital-central.org:8003");
    assert.equal(f.rootca_fingerprint_sha256, HOSPITAL_FP);
  });

  test("states an admin kit's role, admin endpoint and expected server identity", async () => {
    const report = await inspectKit(kit("bob@hospital-alpha.org"), {}, deps);
    const f = report.facts;
    assert.equal(f.kit, "admin");
    assert.equal(f.role, "org_admin");
    assert.equal(f.connection_security, "tls");
    assert.equal(f.admin_endpoint, "grpc://server1.hospital-central.org:8003");
    assert.equal(f.server_identity, "server1.hospital-central.org");
  });

  const broken: Array<{ label: string; input: () => KitInput; failed: string[]; detail: string }> = [
    {
      label: "a client.key of another participant",
      input: () => {
        const k = kit("hospital-a");
        k.startup["client.key"] = readFixture(PROD, "bob@hospital-alpha.org", "startup", "client.key");
        return k;
      },
      failed: ["key-matches-certificate"],
      detail: "KEY_CERT_MISMATCH: The local private key does not match the signed certificate.",
    },
    {
      label: "a rootCA.pem of another CA",
      input: () => {
        const k = kit("hospital-a");
        k.startup["rootCA.pem"] = readFixture("errors/work/ca/rootCA.pem");
        return k;
      },
      failed: ["chain"],
      detail: "CERT_CHAIN_INVALID: Certificate client.crt is not signed by root CA rootCA.pem.",
    },
    {
      label: "another participant's certificate and key",
      input: () => {
        const k = kit("hospital-a");
        for (const f of ["client.crt", "client.key"])
          k.startup[f] = readFixture(PROD, "bob@hospital-alpha.org", "startup", f);
        return k;
      },
      failed: ["kit-identity"],
      detail: "a client kit holds a 'org_admin' certificate",
    },
    {
      label: "fed_client.json naming another site",
      input: () => {
        const k = kit("hospital-a");
        k.startup["fed_client.json"] = utf8(
          fromUtf8(k.startup["fed_client.json"]!).replace('"fqsn": "hospital-a"', '"fqsn": "hospital-b"'),
        );
        return k;
      },
      failed: ["kit-identity"],
      detail: "fed_*.json names participant 'hospital-b' but the certificate CN is 'hospital-a'",
    },
    {
      label: "a missing private key",
      input: () => {
        const k = kit("hospital-a");
        delete k.startup["client.key"];
        return k;
      },
      failed: ["kit-files"],
      detail: "startup/ is missing client.key",
    },
  ];
  for (const b of broken) {
    test(`names the check that catches ${b.label}`, async () => {
      const report = await inspectKit(b.input(), {}, deps);
      assert.deepEqual(failedChecks(report), b.failed);
      assert.equal(checkDetail(report, b.failed[0] as string), b.detail);
    });
  }
});

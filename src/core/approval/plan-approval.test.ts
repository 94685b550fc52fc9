import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hospitalApprovalInputs } from "../../../test/helpers/artifacts.ts";
import { FIXTURE_TIME, fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { certificateSans } from "../inspect/certificate-facts.ts";
import { parseCertificate } from "../x509/certificate.ts";
import { approveRequest, planApproval } from "./approve-request.ts";

const deps = fixedDeps();
const H = "hospital/work";
const SERVER = "server1.hospital-central.org";

describe("planApproval", () => {
  test("shows exactly the subject, SANs and validity that approveRequest then signs", async () => {
    const zip = readFixture(H, SERVER, `${SERVER}.request.zip`);
    const plan = await planApproval(hospitalApprovalInputs(zip), deps);
    assert.equal(plan.commonName, SERVER);
    assert.deepEqual(plan.subjectAltNames, [
      { type: "dns", value: SERVER },
      { type: "ip", value: "10.0.1.50" },
      { type: "dns", value: "fl-server.internal" },
    ]);
    assert.equal(plan.notBefore.toISOString(), FIXTURE_TIME.toISOString());
    assert.equal(plan.notAfter.toISOString(), "2029-11-26T16:00:00.000Z");

    const approval = await approveRequest(hospitalApprovalInputs(zip), deps);
    const issued = parseCertificate(approval.certificatePem);
    assert.equal(issued.notBefore.getTime(), plan.notBefore.getTime());
    assert.equal(issued.notAfter.getTime(), plan.notAfter.getTime());
    assert.deepEqual(certificateSans(issued), [
      "DNS:server1.hospital-central.org",
      "IP:10.0.1.50",
      "DNS:fl-server.internal",
    ]);
  });

  test("caps the validity at the root's expiry", async () => {
    const plan = await planApproval(
      hospitalApprovalInputs(readFixture(H, "hospital-a/hospital-a.request.zip"), { validDays: 9999 }),
      deps,
    );
    assert.equal(plan.notAfter.toISOString(), "2036-11-24T15:00:50.000Z");
  });

  test("refuses what approval refuses, before anything is signed", async () => {
    await assert.rejects(
      planApproval(
        hospitalApprovalInputs(readFixture(H, "hospital-a/hospital-a.request.zip"), {
          rootCaKey: { path: "ca/rootCA.key", bytes: readFixture("errors/work/ca/rootCA.key") },
        }),
        deps,
      ),
      {
        code: "CA_LOAD_FAILED",
        message: "Failed to load root CA material from ca. \u2014 rootCA.key does not match rootCA.pem",
      },
    );
  });
});

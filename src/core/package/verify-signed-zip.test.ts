import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import { ERRORS_FP, HOSPITAL_FP } from "../../../test/helpers/artifacts.ts";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { resignSignedZip } from "../../../test/security/helpers/harness.ts";
import { utf8 } from "../bytes/encoding.ts";
import { FlareError } from "../errors/flare-error.ts";
import { checkKeyMatchesCertificate, checkLocalRequest } from "./check-local-request.ts";
import { verifySignedZip } from "./verify-signed-zip.ts";

const deps = fixedDeps();

async function failsWith(promise: Promise<unknown>, code: string, message?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FlareError, String(error));
    assert.equal(error.code, code);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

function local(dir: string, keyFile = `${dir.split("/").at(-1)}.key`) {
  return {
    keyPem: readFixture(dir, keyFile),
    keyPath: `${dir}/${keyFile}`,
    requestJson: readFixture(dir, "request.json"),
    siteYaml: readFixture(dir, "site.yaml"),
  };
}

describe("verifySignedZip", () => {
  test("accepts every reference signed zip of the hospital scenario with the shared fingerprint", async () => {
    for (const name of [
      "server1.hospital-central.org",
      "hospital-a",
      "alice@hospital-alpha.org",
      "bob@hospital-alpha.org",
    ]) {
      const zip = readFixture("hospital/work", name, `${name}.signed.zip`);
      const approval = await verifySignedZip(zip, { label: "x", expectedFingerprint: HOSPITAL_FP }, deps);
      assert.equal(approval.name, name);
      assert.equal(approval.fingerprint, HOSPITAL_FP);
      assert.equal(approval.provisionVersion, "00");
    }
  });

  test("accepts the fingerprint in openssl's spelling and as bare hex", async () => {
    const zip = readFixture("hospital/work/hospital-a/hospital-a.signed.zip");
    const bare = HOSPITAL_FP.slice(7).replace(/:/g, "").toLowerCase();
    await verifySignedZip(
      zip,
      { label: "x", expectedFingerprint: `sha256 Fingerprint=${HOSPITAL_FP.slice(7)}` },
      deps,
    );
    await verifySignedZip(zip, { label: "x", expectedFingerprint: bare }, deps);
  });

  test("refuses signed.json edited after signing (errors/tampered-signed-json)", async () => {
    await failsWith(
      verifySignedZip(
        readFixture("errors/work/cases/tampered-signed-json/site-1.signed.zip"),
        { label: "x" },
        deps,
      ),
      "INVALID_SIGNED_ZIP",
    );
  });

  test("refuses a zip from another CA when the shared fingerprint is given (errors/wrong-fingerprint)", async () => {
    await failsWith(
      verifySignedZip(
        readFixture("errors/work/site-5/site-5.signed.zip"),
        {
          label: "x",
          expectedFingerprint:
            "SHA256:DB:E3:D6:E5:E7:61:61:E1:FC:B3:D6:46:83:B6:A2:3B:FB:0C:E1:F7:17:45:07:2E:41:F3:6B:7C:25:40:A3:6D",
        },
        deps,
      ),
      "ROOTCA_FINGERPRINT_MISMATCH",
      "Root CA SHA256 fingerprint does not match the expected out-of-band value.",
    );
  });

  test("refuses a malformed expected fingerprint", async () => {
    await failsWith(
      verifySignedZip(
        readFixture("errors/work/site-5/site-5.signed.zip"),
        { label: "x", expectedFingerprint: "AA:BB" },
        deps,
      ),
      "INVALID_ROOTCA_FINGERPRINT",
      "Invalid expected root CA SHA256 fingerprint: 'AA:BB'.",
    );
  });

  test("refuses a request zip given where a signed zip is expected", async () => {
    await failsWith(
      verifySignedZip(readFixture("hospital/work/hospital-a/hospital-a.request.zip"), { label: "x" }, deps),
      "INVALID_SIGNED_ZIP",
      "Signed zip is missing required file(s): rootCA.pem, signed.json, signed.json.sig.",
    );
  });
});

describe("checkLocalRequest", () => {
  test("pairs the reference signed zip with its request folder", async () => {
    const approval = await verifySignedZip(
      readFixture("hospital/work/hospital-a/hospital-a.signed.zip"),
      { label: "x" },
      deps,
    );
    const paired = await checkLocalRequest(approval, local("hospital/work/hospital-a"), deps);
    assert.equal(paired.project, "hospital_federation");
    assert.equal(paired.participant.name, "hospital-a");
  });

  test("refuses a foreign key (errors/key-mismatch)", async () => {
    const approval = await verifySignedZip(
      readFixture("errors/work/site-4/site-4.signed.zip"),
      { label: "x", expectedFingerprint: ERRORS_FP },
      deps,
    );
    await failsWith(
      checkLocalRequest(approval, local("errors/work/site-4", "../cases/key-mismatch/foreign.key"), deps),
      "KEY_CERT_MISMATCH",
      "The local private key does not match the signed certificate.",
    );
  });

  test("refuses a request folder of another request", async () => {
    const approval = await verifySignedZip(
      readFixture("hospital/work/hospital-a/hospital-a.signed.zip"),
      { label: "x" },
      deps,
    );
    await failsWith(
      checkLocalRequest(approval, local("hospital/work/alice@hospital-alpha.org"), deps),
      "REQUEST_METADATA_MISMATCH",
      "Local request metadata does not match the signed zip. \u2014 field 'request_id' differs",
    );
  });

  test("refuses an expired certificate (clock after 2029-11-26)", async () => {
    const later = fixedDeps(new Date("2030-01-01T00:00:00Z"));
    const approval = await verifySignedZip(
      readFixture("hospital/work/hospital-a/hospital-a.signed.zip"),
      { label: "x" },
      later,
    );
    await failsWith(checkLocalRequest(approval, local("hospital/work/hospital-a"), later), "CERT_EXPIRED");
  });

  test("a ca_info of null is the legacy form (deploy version 00, the included root), as NVFlare reads it", async () => {
    const zip = await resignSignedZip(
      readFixture("hospital/work/hospital-a/hospital-a.signed.zip"),
      readFixture("hospital/work/ca/rootCA.key"),
      (signed) => {
        signed.ca_info = null;
      },
      deps,
    );
    const approval = await verifySignedZip(zip, { label: "x", expectedFingerprint: HOSPITAL_FP }, deps);
    assert.equal(approval.provisionVersion, "00");
    assert.equal(approval.fingerprint, HOSPITAL_FP);
  });

  test("a weak local key is KEY_INVALID before it is compared with the certificate", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const approval = await verifySignedZip(
      readFixture("hospital/work/hospital-a/hospital-a.signed.zip"),
      { label: "x" },
      deps,
    );
    await failsWith(
      checkKeyMatchesCertificate(
        utf8(privateKey.export({ type: "pkcs1", format: "pem" }).toString()),
        "hospital-a/hospital-a.key",
        approval.certificate,
        deps,
      ),
      "KEY_INVALID",
      "Private key 'hospital-a/hospital-a.key' is too weak: the key is RSA-1024 with public exponent 65537; the key-strength policy requires RSA keys of at least 2048 bits with public exponent 65537.",
    );
  });
});

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import { parseCertificate } from "./certificate.ts";
import { buildCsr, CsrParseError, parseCsr } from "./csr.ts";
import { generateRsaKeyPair, parsePrivateKeyPem, type RsaKeyPair } from "./keys.ts";
import { OID } from "./names.ts";
import { decodePem, encodePem } from "./pem.ts";
import {
  HAVE_OPENSSL,
  hospital,
  hospitalText,
  inTempDir,
  openssl,
  PARTICIPANTS,
  testDeps,
} from "./x509.test-helper.ts";

const deps = testDeps();
const noOpenssl = !HAVE_OPENSSL && "openssl is not installed";

const csrError = (message: string) => (e: unknown) => {
  assert.ok(e instanceof CsrParseError, `expected a CsrParseError, got ${String(e)}`);
  assert.equal(e.message, message);
  return true;
};

/** Makes a CSR with openssl (fresh key) for `subj` and returns its PEM. */
function opensslCsr(subj: string, keyArgs = ["-newkey", "rsa:2048"]): Promise<string> {
  return inTempDir({}, (dir) => {
    const run = openssl(["req", "-new", ...keyArgs, "-nodes", "-keyout", "k.pem", "-subj", subj, "-utf8"], {
      cwd: dir,
    });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout;
  });
}

describe("parseCsr on the reference requests", () => {
  for (const p of PARTICIPANTS) {
    it(`reads ${p.name}.csr: subject, key and a valid signature`, async () => {
      const csr = await parseCsr(hospital(p.name, `${p.name}.csr`), deps);
      assert.deepEqual(csr.subject.attributes, [
        { oid: OID.commonName, value: p.name },
        { oid: OID.organizationName, value: p.org },
        { oid: OID.unstructuredName, value: p.certType },
      ]);
      assert.equal(csr.subject.commonName, p.name);
      assert.equal(csr.subject.organization, p.org);
      assert.equal(csr.subject.unstructuredName, p.certType);
      assert.deepEqual(csr.subject.duplicated(), []);
      assert.equal(csr.signatureValid, true);
      assert.equal(csr.signatureAlgorithm, "1.2.840.113549.1.1.11");
      assert.deepEqual(csr.spkiDer, parseCertificate(hospital(p.name, `${p.name}.crt`)).spkiDer);
    });
  }
});

describe("buildCsr", () => {
  for (const p of PARTICIPANTS) {
    it(`reproduces ${p.name}.csr byte for byte from the reference key`, async () => {
      const key = await parsePrivateKeyPem(hospital(p.name, `${p.name}.key`), deps);
      const pem = await buildCsr({ commonName: p.name, org: p.org, certType: p.certType }, key, deps);
      assert.equal(pem, hospitalText(p.name, `${p.name}.csr`));
    });
  }

  describe("with a fresh key", () => {
    let keys: RsaKeyPair;
    let pem: string;
    before(async () => {
      keys = await generateRsaKeyPair(deps);
      pem = await buildCsr({ commonName: "site-ü", org: "org_1", certType: "client" }, keys, deps);
    });

    it("encodes three single-attribute UTF8String RDNs and an empty attribute set", () => {
      const req = AsnConvert.parse(decodePem(pem, "CERTIFICATE REQUEST"), CertificationRequest);
      const info = req.certificationRequestInfo;
      assert.equal(info.version, 0);
      assert.deepEqual(
        Array.from(info.subject, (rdn) => Array.from(rdn, (a) => [a.type, a.value.utf8String])),
        [[[OID.commonName, "site-ü"]], [[OID.organizationName, "org_1"]], [[OID.unstructuredName, "client"]]],
      );
      assert.equal(info.attributes.length, 0);
      assert.equal(req.signatureAlgorithm.algorithm, "1.2.840.113549.1.1.11");
    });

    it("parses back with a valid signature and the key's SPKI", async () => {
      const csr = await parseCsr(pem, deps);
      assert.equal(csr.signatureValid, true);
      assert.deepEqual(csr.spkiDer, keys.spkiDer);
      assert.equal(csr.subject.toString(), "CN = site-ü, O = org_1, unstructuredName = client");
    });

    it("passes openssl req -verify", { skip: noOpenssl }, async () => {
      await inTempDir({ "r.csr": pem }, (dir) => {
        const run = openssl(["req", "-in", "r.csr", "-verify", "-noout", "-text"], { cwd: dir });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stderr + run.stdout, /verify OK/i);
        assert.match(run.stdout, /Subject: CN = site-\\C3\\BC, O = org_1, unstructuredName = client\n/);
        assert.match(run.stdout, /Attributes:\n\s+\(none\)/);
        const asn1 = openssl(["asn1parse", "-in", "r.csr"], { cwd: dir }).stdout;
        assert.equal(asn1.match(/UTF8STRING/g)?.length, 3);
        assert.match(asn1, /l= +0 cons: cont \[ 0 \]/);
      });
    });

    it("reports a tampered signature or subject as invalid", async () => {
      const der = decodePem(pem, "CERTIFICATE REQUEST");
      const badSignature = der.slice();
      badSignature[der.length - 1]! ^= 1;
      assert.equal(
        (await parseCsr(encodePem("CERTIFICATE REQUEST", badSignature), deps)).signatureValid,
        false,
      );
      const badSubject = der.slice();
      const at = Buffer.from(der).indexOf("org_1");
      badSubject[at]! ^= 0x20;
      const parsed = await parseCsr(encodePem("CERTIFICATE REQUEST", badSubject), deps);
      assert.equal(parsed.subject.organization, "Org_1");
      assert.equal(parsed.signatureValid, false);
    });
  });
});

describe("parseCsr on other requests", () => {
  it("reads an openssl req -subj CSR", { skip: noOpenssl }, async () => {
    const pem = await opensslCsr("/CN=site-9/O=org9/unstructuredName=client");
    const csr = await parseCsr(pem, deps);
    assert.equal(csr.signatureValid, true);
    assert.equal(csr.subject.commonName, "site-9");
    assert.equal(csr.subject.organization, "org9");
    assert.equal(csr.subject.unstructuredName, "client");
  });

  it("lists every attribute in order, flattens multi-valued RDNs and reports duplicates", {
    skip: noOpenssl,
  }, async () => {
    const pem = await opensslCsr(
      "/CN=a+O=x/C=US/CN=b/ST=s/C=DE/unstructuredName=client/unstructuredName=lead",
      ["-newkey", "rsa:1024"],
    );
    const csr = await parseCsr(pem, deps);
    assert.equal(csr.signatureValid, true);
    assert.deepEqual(
      csr.subject.attributes.map((a) => a.value),
      ["a", "x", "US", "b", "s", "DE", "client", "lead"],
    );
    assert.equal(csr.subject.commonName, "a");
    assert.deepEqual(csr.subject.all(OID.unstructuredName), ["client", "lead"]);
    assert.deepEqual(csr.subject.duplicated(), ["commonName", "countryName"]);
  });

  it("refuses a CSR with an EC key", { skip: noOpenssl }, async () => {
    const pem = await opensslCsr("/CN=ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    await assert.rejects(
      parseCsr(pem, deps),
      csrError("unsupported CSR public key algorithm 1.2.840.10045.2.1; only RSA keys are accepted"),
    );
  });

  it("refuses a certificate", async () => {
    await assert.rejects(
      parseCsr(hospital("ca", "rootCA.pem"), deps),
      csrError(
        'malformed certificate request: no PEM "CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST" block found (found "CERTIFICATE")',
      ),
    );
  });

  it("refuses a request PEM whose body is not a request", async () => {
    await assert.rejects(
      parseCsr(encodePem("CERTIFICATE REQUEST", Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)), deps),
      csrError("malformed certificate request: certificate request has too few elements"),
    );
  });

  it("refuses a truncated request", async () => {
    const der = decodePem(hospital("hospital-a", "hospital-a.csr"), "CERTIFICATE REQUEST");
    await assert.rejects(
      parseCsr(encodePem("CERTIFICATE REQUEST", der.subarray(0, 200)), deps),
      csrError("malformed certificate request: DER element runs past its container"),
    );
  });
});

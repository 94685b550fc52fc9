import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import {
  CertificateParseError,
  parseCertificate,
  parseCertificateDer,
  verifyCertificateSignature,
} from "./certificate.ts";
import { derSequence, derTlv } from "./der.ts";
import { OID } from "./names.ts";
import { decodePem } from "./pem.ts";
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
const root = parseCertificate(hospital("ca", "rootCA.pem"));
const otherRoot = parseCertificate(readFixture("errors", "work", "ca", "rootCA.pem"));
const signedJson = (name: string) =>
  JSON.parse(hospitalText(name, "signed.json")) as { certificate: { serial: string; valid_until: string } };

const parseError = (message: string) => (e: unknown) => {
  assert.ok(e instanceof CertificateParseError, `expected a CertificateParseError, got ${String(e)}`);
  assert.equal(e.message, message);
  return true;
};

describe("parseCertificate on the reference root", () => {
  it("reads subject, issuer, serial, validity and CA flag", () => {
    assert.equal(root.subject.toString(), "CN = hospital_federation");
    assert.equal(root.issuer.toString(), "CN = hospital_federation");
    assert.deepEqual(root.issuerDer, root.subjectDer);
    assert.equal(root.serialHex, "0x329a3f6a2b2966a48ef71e81ade62ca836e40d91");
    assert.equal(root.notBefore.toISOString(), "2026-11-27T15:00:50.000Z");
    assert.equal(root.notAfter.toISOString(), "2036-11-24T15:00:50.000Z");
    assert.equal(root.isCa, true);
    assert.equal(root.skiHex, "b00a0fdcb265e50f7592f04bcd55cc80e73f75a4");
    assert.equal(root.akiKeyIdHex, root.skiHex);
    assert.equal(root.signatureAlgorithm, "1.2.840.113549.1.1.11");
    assert.equal(root.signature.length, 256);
  });

  it("lists the extensions in order with their criticality", () => {
    assert.deepEqual(
      root.extensions.map((e) => [e.oid, e.critical]),
      [
        ["2.5.29.14", false],
        ["2.5.29.35", false],
        ["2.5.29.19", true],
        ["2.5.29.15", true],
        ["2.5.29.17", false],
      ],
    );
    assert.equal(Buffer.from(root.extensions[3]!.value).toString("hex"), "03020186");
  });

  it("keeps the canonical PEM, which for the reference file is the file itself", () => {
    assert.equal(root.pem, hospitalText("ca", "rootCA.pem"));
    assert.deepEqual(root.der, decodePem(root.pem, "CERTIFICATE"));
  });

  it("verifies its own signature and imports its key for PSS", async () => {
    assert.equal(await verifyCertificateSignature(root, root, deps), true);
    const key = await root.importPublicKey(deps, "pss");
    assert.equal(key.algorithm.name, "RSA-PSS");
  });
});

describe("parseCertificate on the reference participants", () => {
  for (const p of PARTICIPANTS) {
    it(`reads ${p.name}.crt and verifies it against the root`, async () => {
      const cert = parseCertificate(hospital(p.name, `${p.name}.crt`));
      assert.deepEqual(cert.subject.attributes, [
        { oid: OID.commonName, value: p.name },
        { oid: OID.organizationName, value: p.org },
        { oid: OID.unstructuredName, value: p.certType },
      ]);
      assert.deepEqual(cert.issuerDer, root.subjectDer);
      assert.equal(cert.isCa, false);
      assert.equal(cert.akiKeyIdHex, root.skiHex);
      const signed = signedJson(p.name);
      assert.equal(cert.serialHex, signed.certificate.serial);
      assert.equal(`${cert.notAfter.toISOString().slice(0, 19)}Z`, signed.certificate.valid_until);
      assert.equal(await verifyCertificateSignature(cert, root, deps), true);
      assert.equal(await verifyCertificateSignature(cert, otherRoot, deps), false);
    });
  }
});

describe("verifyCertificateSignature", () => {
  it("rejects a certificate whose signed bytes were changed", async () => {
    const der = hospital("hospital-a", "hospital-a.crt");
    const tampered = decodePem(der, "CERTIFICATE").slice();
    const at = Buffer.from(tampered).indexOf("hospital_alpha");
    tampered[at]! ^= 0x20;
    const cert = parseCertificateDer(tampered);
    assert.equal(cert.subject.organization, "Hospital_alpha");
    assert.equal(await verifyCertificateSignature(cert, root, deps), false);
  });

  it("is false when the issuer key is not RSA", async () => {
    const cert = parseCertificate(hospital("hospital-a", "hospital-a.crt"));
    const fakeIssuer = { ...root, spkiDer: Uint8Array.of(0x30, 0x00) };
    assert.equal(await verifyCertificateSignature(cert, fakeIssuer, deps), false);
  });
});

describe("parseCertificate on other input", () => {
  it("reports a certificate without BasicConstraints as isCa undefined", {
    skip: !HAVE_OPENSSL,
  }, async () => {
    const pem = await inTempDir({}, (dir) => {
      const req = openssl(
        [
          "req",
          "-new",
          "-newkey",
          "rsa:1024",
          "-nodes",
          "-keyout",
          "k.pem",
          "-subj",
          "/CN=v1",
          "-out",
          "r.csr",
        ],
        { cwd: dir },
      );
      assert.equal(req.status, 0, req.stderr);
      const run = openssl(["x509", "-req", "-in", "r.csr", "-signkey", "k.pem", "-days", "1"], { cwd: dir });
      assert.equal(run.status, 0, run.stderr);
      return run.stdout;
    });
    const cert = parseCertificate(pem);
    assert.equal(cert.isCa, undefined);
    assert.equal(cert.extensions.length, 0);
    assert.equal(cert.skiHex, undefined);
    assert.equal(cert.subject.commonName, "v1");
    assert.equal(await verifyCertificateSignature(cert, cert, deps), true);
  });

  it("refuses a CSR", () => {
    assert.throws(
      () => parseCertificate(hospital("hospital-a", "hospital-a.csr")),
      parseError('no PEM "CERTIFICATE" block found (found "CERTIFICATE REQUEST")'),
    );
  });

  it("refuses empty input", () => {
    assert.throws(() => parseCertificate(""), parseError('no PEM data found (expected "CERTIFICATE")'));
  });

  it("refuses DER that is not a certificate", () => {
    assert.throws(
      () => parseCertificateDer(Uint8Array.of(0x30, 0x00)),
      parseError("malformed certificate: certificate has too few elements"),
    );
    assert.throws(
      () => parseCertificateDer(Uint8Array.of(0x30, 0x05, 0x02)),
      parseError("malformed certificate: DER element runs past its container"),
    );
  });

  it("refuses trailing bytes after the certificate", () => {
    const der = decodePem(hospital("ca", "rootCA.pem"), "CERTIFICATE");
    const padded = new Uint8Array(der.length + 1);
    padded.set(der);
    assert.throws(
      () => parseCertificateDer(padded),
      parseError("malformed certificate: trailing bytes after DER element"),
    );
  });
});

/** DER of an ASCII string under `tag` (UTCTime 0x17, GeneralizedTime 0x18). */
const text = (tag: number, value: string) => derTlv(tag, new TextEncoder().encode(value));
const SHA256_RSA = Uint8Array.from(Buffer.from("300d06092a864886f70d01010b0500", "hex"));

/**
 * A v3 certificate around the reference root's names and key, with the given validity,
 * extensions (`[3]` content, omitted when undefined) and outer signature algorithm. The
 * signature is junk: parsing does not check it.
 */
function craft(
  parts: {
    validity?: Uint8Array[];
    extensions?: Uint8Array[];
    algorithm?: Uint8Array;
    afterSpki?: Uint8Array[];
  } = {},
): Uint8Array {
  const spki = root.spkiDer;
  const validity = parts.validity ?? [text(0x17, "250101000000Z"), text(0x17, "350101000000Z")];
  const tbs = derSequence(
    derTlv(0xa0, derTlv(0x02, Uint8Array.of(2))),
    derTlv(0x02, Uint8Array.of(1)),
    SHA256_RSA,
    root.issuerDer,
    derSequence(...validity),
    root.subjectDer,
    spki,
    ...(parts.extensions ? [derTlv(0xa3, derSequence(...parts.extensions))] : []),
    ...(parts.afterSpki ?? []),
  );
  return derSequence(tbs, parts.algorithm ?? SHA256_RSA, derTlv(0x03, Uint8Array.of(0, 1, 2, 3)));
}

const oid = (hex: string) => derTlv(0x06, Uint8Array.from(Buffer.from(hex, "hex")));
const extension = (oidHex: string, value: Uint8Array, critical?: boolean) =>
  derSequence(
    oid(oidHex),
    ...(critical === undefined ? [] : [derTlv(0x01, Uint8Array.of(critical ? 0xff : 0))]),
    derTlv(0x04, value),
  );

describe("parseCertificateDer reading the DER fields itself", () => {
  it("reads UTCTime years 1950-2049 and GeneralizedTime from 2050 on", () => {
    const cert = parseCertificateDer(
      craft({ validity: [text(0x17, "500101000000Z"), text(0x18, "20500101123456Z")] }),
    );
    assert.equal(cert.notBefore.toISOString(), "1950-01-01T00:00:00.000Z");
    assert.equal(cert.notAfter.toISOString(), "2050-01-01T12:34:56.000Z");
    const late = parseCertificateDer(
      craft({ validity: [text(0x17, "491231235959Z"), text(0x18, "99991231235959Z")] }),
    );
    assert.equal(late.notBefore.toISOString(), "2049-12-31T23:59:59.000Z");
    assert.equal(late.notAfter.toISOString(), "9999-12-31T23:59:59.000Z");
  });

  it("refuses a time that is not in the DER form RFC 5280 requires", () => {
    for (const [tag, value] of [
      [0x17, "4912312359Z"],
      [0x17, "491231235959+0100"],
      [0x18, "491231235959Z"],
      [0x02, "491231235959Z"],
    ] as const) {
      assert.throws(
        () => parseCertificateDer(craft({ validity: [text(tag, value), text(0x17, "350101000000Z")] })),
        parseError(`malformed certificate: unsupported time ${JSON.stringify(value)}`),
      );
    }
  });

  it("decodes OIDs with multi-byte arcs and a first arc of 2", () => {
    // 2.999.3: the first subidentifier 80 + 999 = 1079 takes two bytes.
    const cert = parseCertificateDer(craft({ algorithm: derSequence(oid("883703")) }));
    assert.equal(cert.signatureAlgorithm, "2.999.3");
    assert.throws(
      () => parseCertificateDer(craft({ algorithm: derSequence(oid("80883703")) })),
      parseError("malformed certificate: bad OBJECT IDENTIFIER"),
    );
    assert.throws(
      () => parseCertificateDer(craft({ algorithm: derSequence(oid("2a86")) })),
      parseError("malformed certificate: bad OBJECT IDENTIFIER"),
    );
  });

  it("reads extensions, criticality, cA, SKI and the AKI key id", () => {
    const cert = parseCertificateDer(
      craft({
        extensions: [
          extension("551d13", derSequence(derTlv(0x01, Uint8Array.of(0xff))), true),
          extension("551d0e", derTlv(0x04, Uint8Array.of(0xab, 0xcd))),
          extension("551d23", derSequence(derTlv(0x80, Uint8Array.of(0x12)))),
          extension("551d25", derSequence(oid("2b06010505070301")), false),
        ],
      }),
    );
    assert.deepEqual(
      cert.extensions.map((e) => [e.oid, e.critical]),
      [
        ["2.5.29.19", true],
        ["2.5.29.14", false],
        ["2.5.29.35", false],
        ["2.5.29.37", false],
      ],
    );
    assert.equal(cert.isCa, true);
    assert.equal(cert.skiHex, "abcd");
    assert.equal(cert.akiKeyIdHex, "12");
    const leaf = parseCertificateDer(craft({ extensions: [extension("551d13", derSequence())] }));
    assert.equal(leaf.isCa, false);
    assert.equal(leaf.skiHex, undefined);
  });

  it("refuses malformed extensions and anything after them", () => {
    const cases: [Parameters<typeof craft>[0], string][] = [
      [{ extensions: [derSequence(oid("551d13"))] }, "bad Extension"],
      [
        { extensions: [derSequence(oid("551d13"), derTlv(0x02, Uint8Array.of(1)), derTlv(0x04))] },
        "bad Extension criticality",
      ],
      [{ extensions: [derSequence(oid("551d13"), derTlv(0x02, Uint8Array.of(1)))] }, "bad Extension"],
      [
        { extensions: [derSequence(oid("551d13"), derTlv(0x01, Uint8Array.of(1, 1)), derTlv(0x04))] },
        "bad Extension criticality",
      ],
      [
        { extensions: [], afterSpki: [derTlv(0x02, Uint8Array.of(1))] },
        "unexpected element after SubjectPublicKeyInfo",
      ],
      [{ afterSpki: [derTlv(0x05)] }, "unexpected element after SubjectPublicKeyInfo"],
      [{ extensions: [extension("551d0e", derTlv(0x03, Uint8Array.of(0)))] }, "bad SubjectKeyIdentifier"],
    ];
    for (const [parts, message] of cases) {
      assert.throws(() => parseCertificateDer(craft(parts)), parseError(`malformed certificate: ${message}`));
    }
  });
});

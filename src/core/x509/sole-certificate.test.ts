import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { fromUtf8 } from "../bytes/encoding.ts";
import { CertificateParseError } from "./certificate.ts";
import { parseCaCertificateFile, parseSoleCertificate } from "./sole-certificate.ts";

const ROOT = fromUtf8(readFixture("hospital/work/ca/rootCA.pem"));
const OTHER = fromUtf8(readFixture("errors/work/ca/rootCA.pem"));
const LEAF = fromUtf8(readFixture("hospital/work/hospital-a/hospital-a.crt"));
const ONLY_ONE = "exactly one CERTIFICATE block and nothing else is allowed";

function refuses(fn: () => unknown, message: string): void {
  assert.throws(fn, (error: unknown) => error instanceof CertificateParseError && error.message === message);
}

describe("parseSoleCertificate", () => {
  test("reads one certificate, with CRLF line ends and surrounding blank lines", () => {
    assert.equal(parseSoleCertificate(ROOT).subject.commonName, "hospital_federation");
    assert.equal(
      parseSoleCertificate(`\n${ROOT.replaceAll("\n", "\r\n")}\n\n`).subject.commonName,
      "hospital_federation",
    );
  });

  test("refuses a second certificate, a key block, other blocks, stray text and no PEM at all", () => {
    refuses(
      () => parseSoleCertificate(`${ROOT}${OTHER}`),
      `the file holds 2 PEM blocks (CERTIFICATE, CERTIFICATE); ${ONLY_ONE}`,
    );
    refuses(
      () => parseSoleCertificate(`${ROOT}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`),
      `the file holds 2 PEM blocks (CERTIFICATE, PRIVATE KEY); ${ONLY_ONE}`,
    );
    refuses(
      () => parseSoleCertificate("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"),
      `the file holds 1 PEM block (X509 CRL); ${ONLY_ONE}`,
    );
    refuses(
      () => parseSoleCertificate(`subject=CN = x\n${ROOT}`),
      `the file holds text outside its CERTIFICATE block; ${ONLY_ONE}`,
    );
    refuses(() => parseSoleCertificate("hello\n"), 'no PEM data found (expected "CERTIFICATE")');
  });
});

describe("parseCaCertificateFile", () => {
  test("accepts a root CA and refuses a leaf", () => {
    assert.equal(parseCaCertificateFile(OTHER).isCa, true);
    refuses(
      () => parseCaCertificateFile(LEAF),
      "the certificate is not a CA certificate (BasicConstraints CA:FALSE)",
    );
  });
});

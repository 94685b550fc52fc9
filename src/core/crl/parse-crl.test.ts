import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { opensslCrl } from "../../../test/helpers/openssl-crl.ts";
import { fromUtf8 } from "../bytes/encoding.ts";
import { CrlParseError, parseCrl } from "./parse-crl.ts";

const CA = "hospital/work/ca";
const caCert = fromUtf8(readFixture(CA, "rootCA.pem"));
const caKey = fromUtf8(readFixture(CA, "rootCA.key"));
const lastUpdate = new Date("2026-11-27T15:00:00Z");
const nextUpdate = new Date("2026-12-04T15:00:00Z");

describe("parseCrl", () => {
  test("reads an openssl-made v2 CRL: issuer, dates, CRL number, serials and reasons", () => {
    const crl = parseCrl(
      opensslCrl({
        caCert,
        caKey,
        lastUpdate,
        nextUpdate,
        crlNumber: 42,
        revoked: [{ serial: "0A1B2C", reason: "keyCompromise" }, { serial: "7F" }],
      }),
    );
    assert.equal(crl.version, 2);
    assert.equal(crl.issuer.toString(), "CN = hospital_federation");
    assert.equal(crl.thisUpdate.toISOString(), "2026-11-27T15:00:00.000Z");
    assert.equal(crl.nextUpdate?.toISOString(), "2026-12-04T15:00:00.000Z");
    assert.equal(crl.crlNumber, 42n);
    // OpenSSL writes the entries in serial order.
    assert.deepEqual(
      crl.revoked.map((e) => [e.serialHex, e.reason]),
      [
        ["0x7f", undefined],
        ["0xa1b2c", "keyCompromise"],
      ],
    );
    assert.equal(crl.signatureAlgorithm, "1.2.840.113549.1.1.11");
    assert.match(crl.pem, /^-----BEGIN X509 CRL-----\n/);
  });

  test("reads the same CRL as DER, byte for byte the same list", () => {
    const options = { caCert, caKey, lastUpdate, nextUpdate, revoked: [{ serial: "51" }] };
    const pem = parseCrl(opensslCrl(options));
    const der = parseCrl(opensslCrl({ ...options, der: true }));
    assert.deepEqual(der.der, pem.der);
  });

  test("reads a CRL without revoked certificates", () => {
    assert.deepEqual(parseCrl(opensslCrl({ caCert, caKey, lastUpdate, nextUpdate })).revoked, []);
  });

  test("rejects what is not a CRL, naming what it found", () => {
    assert.throws(() => parseCrl(caCert), {
      name: "CrlParseError",
      message: 'not a PEM "X509 CRL" block or a DER CRL (found "CERTIFICATE")',
    });
    assert.throws(() => parseCrl("hello"), CrlParseError);
  });

  test("rejects a truncated or padded CRL", () => {
    const der = parseCrl(opensslCrl({ caCert, caKey, lastUpdate, nextUpdate })).der;
    assert.throws(() => parseCrl(der.subarray(0, der.length - 5)), /^CrlParseError: malformed CRL: /);
    const padded = new Uint8Array(der.length + 1);
    padded.set(der);
    assert.throws(() => parseCrl(padded), /malformed CRL: trailing bytes after DER element/);
  });
});

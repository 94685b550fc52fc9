import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { opensslCa, opensslCrl } from "../../../test/helpers/openssl-crl.ts";
import { fromHex, fromUtf8 } from "../bytes/encoding.ts";
import { type ParsedCertificate, parseCertificate } from "../x509/certificate.ts";
import { derSequence, derTlv } from "../x509/der.ts";
import { parsePrivateKeyPem } from "../x509/keys.ts";
import { SHA256_WITH_RSA_DER, signEnvelope } from "../x509/signature.ts";
import { parseCrl } from "./parse-crl.ts";
import { verifyCrl } from "./verify-crl.ts";

const caCert = fromUtf8(readFixture("hospital/work/ca", "rootCA.pem"));
const caKey = fromUtf8(readFixture("hospital/work/ca", "rootCA.key"));
const root = parseCertificate(caCert);
const lastUpdate = new Date("2026-11-27T15:00:00Z");
const nextUpdate = new Date("2026-12-04T15:00:00Z");
const deps = fixedDeps(new Date("2026-11-28T12:00:00Z"));
const options = { label: "crl.pem", rootLabel: "kit/startup/rootCA.pem" };

function fixtureCrl(extra: Partial<Parameters<typeof opensslCrl>[0]> = {}) {
  return parseCrl(opensslCrl({ caCert, caKey, lastUpdate, nextUpdate, crlNumber: 2, ...extra }));
}

/** Expects `verifyCrl` to fail with `code` and a message matching `message`. */
async function rejects(crl: ReturnType<typeof parseCrl>, code: string, message: RegExp, against = root) {
  await assert.rejects(verifyCrl(crl, against, options, deps), (error: Error & { code?: string }) => {
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe("verifyCrl against openssl-made CRLs", () => {
  test("accepts a current CRL issued and signed by the kit's root", async () => {
    const result = await verifyCrl(fixtureCrl({ revoked: [{ serial: "51" }] }), root, options, deps);
    assert.deepEqual(result, { warnings: [], expired: false });
  });

  test("refuses a CRL whose signed part was altered", async () => {
    const der = opensslCrl({ caCert, caKey, lastUpdate, nextUpdate, revoked: [{ serial: "51" }], der: true });
    const at = der.findIndex((b, i) => b === 0x02 && der[i + 1] === 0x01 && der[i + 2] === 0x51);
    der[at + 2] = 0x52; // the revoked serial: 0x51 becomes 0x52
    await rejects(
      parseCrl(der),
      "CRL_SIGNATURE_INVALID",
      /^The signature of the CRL crl\.pem does not verify with the root CA key of kit\/startup\/rootCA\.pem\.$/,
    );
  });

  test("refuses a CRL of another CA, naming both", async () => {
    const other = opensslCa("/CN=other_federation");
    const crl = parseCrl(opensslCrl({ caCert: other.cert, caKey: other.key, lastUpdate, nextUpdate }));
    await rejects(
      crl,
      "CRL_ISSUER_MISMATCH",
      /not issued by the root CA in kit\/startup\/rootCA\.pem\. — CRL issuer CN = other_federation; root subject CN = hospital_federation$/,
    );
  });

  test("refuses a CRL of another key that took the root's name", async () => {
    const twin = opensslCa("/CN=hospital_federation");
    const crl = parseCrl(opensslCrl({ caCert: twin.cert, caKey: twin.key, lastUpdate, nextUpdate }));
    await rejects(crl, "CRL_ISSUER_MISMATCH", /names another key of a CA with the same name/);
  });

  test("refuses a CRL past its nextUpdate, or accepts it with a warning when told to", async () => {
    const stale = fixtureCrl({ lastUpdate: new Date("2026-11-01T00:00:00Z"), nextUpdate: lastUpdate });
    await rejects(
      stale,
      "CRL_NOT_CURRENT",
      /is not current: its nextUpdate 2026-11-27T15:00:00Z has passed\.$/,
    );
    const result = await verifyCrl(stale, root, { ...options, allowStale: true }, deps);
    assert.equal(result.expired, true);
    assert.match(result.warnings[0] ?? "", /installed because of --force/);
  });

  test("refuses a CRL whose thisUpdate is in the future", async () => {
    const future = fixtureCrl({ lastUpdate: new Date("2026-11-29T00:00:00Z"), nextUpdate });
    await rejects(future, "CRL_NOT_CURRENT", /thisUpdate 2026-11-29T00:00:00Z is in the future/);
  });

  test("refuses a CRL without a CRL number", async () => {
    await rejects(fixtureCrl({ crlNumber: null }), "CRL_INVALID", /it has no cRLNumber extension/);
  });
});

describe("verifyCrl against crafted CRLs", () => {
  let craftedRoot: ParsedCertificate;
  let sign: (tbs: Uint8Array) => Promise<Uint8Array>;
  const utc = (text: string) => derTlv(0x17, new TextEncoder().encode(text));
  const ext = (oidHex: string, critical: boolean, value: Uint8Array) =>
    derSequence(derTlv(0x06, fromHex(oidHex)), ...(critical ? [fromHex("0101ff")] : []), derTlv(0x04, value));
  const crlNumber = ext("551d14", false, fromHex("020101"));

  before(async () => {
    const ca = opensslCa("/CN=crafted_root");
    craftedRoot = parseCertificate(ca.cert);
    const key = await parsePrivateKeyPem(ca.key, deps);
    sign = (tbs) => signEnvelope(tbs, key.privateKey, deps);
  });

  async function crafted(extensions: Uint8Array[], revoked?: Uint8Array) {
    const tbs = derSequence(
      fromHex("020101"),
      SHA256_WITH_RSA_DER,
      craftedRoot.subjectDer,
      utc("261127150000Z"),
      utc("261204150000Z"),
      ...(revoked ? [revoked] : []),
      derTlv(0xa0, derSequence(...extensions)),
    );
    return parseCrl(await sign(tbs));
  }

  test("accepts the plain crafted CRL (the cases below differ by one extension)", async () => {
    const result = await verifyCrl(await crafted([crlNumber]), craftedRoot, options, deps);
    assert.equal(result.expired, false);
  });

  test("refuses a delta CRL: it lists only the changes", async () => {
    const crl = await crafted([crlNumber, ext("551d1b", true, fromHex("020101"))]);
    await rejects(crl, "CRL_INVALID", /it is a delta CRL, which is not supported/, craftedRoot);
  });

  test("refuses a partitioned CRL (issuingDistributionPoint)", async () => {
    const crl = await crafted([crlNumber, ext("551d1c", true, fromHex("3000"))]);
    await rejects(crl, "CRL_INVALID", /issuingDistributionPoint/, craftedRoot);
  });

  test("refuses an unknown critical extension but ignores an unknown non-critical one", async () => {
    const unknown = "2b06010401 83b20301".replace(" ", "");
    await rejects(
      await crafted([crlNumber, ext(unknown, true, fromHex("0500"))]),
      "CRL_INVALID",
      /the unknown critical extension 1\.3\.6\.1\.4\.1\.55555\.1/,
      craftedRoot,
    );
    await verifyCrl(
      await crafted([crlNumber, ext(unknown, false, fromHex("0500"))]),
      craftedRoot,
      options,
      deps,
    );
  });

  test("refuses an indirect CRL entry (certificateIssuer)", async () => {
    const entry = derSequence(
      fromHex("020151"),
      utc("261127150000Z"),
      derSequence(ext("551d1d", true, fromHex("3000"))),
    );
    await rejects(await crafted([crlNumber], derSequence(entry)), "CRL_INVALID", /indirect CRL/, craftedRoot);
  });
});

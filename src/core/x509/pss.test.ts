import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { fixturePath } from "../../../test/helpers/fixtures.ts";
import { toBase64 } from "../bytes/encoding.ts";
import { parseCertificate } from "./certificate.ts";
import { type LoadedPrivateKey, parsePrivateKeyPem } from "./keys.ts";
import { maxPssSaltLength, signPss, verifyPss } from "./pss.ts";
import { HAVE_OPENSSL, hospital, inTempDir, openssl, PARTICIPANTS, testDeps } from "./x509.test-helper.ts";

const deps = testDeps();
const noOpenssl = !HAVE_OPENSSL && "openssl is not installed";
const HAVE_UNZIP = spawnSync("unzip", ["-v"]).status === 0;
const data = new TextEncoder().encode('{\n  "artifact_type": "nvflare.cert.signed"\n}');
const rootKeyPem = hospital("ca", "rootCA.key");
const rootSpki = parseCertificate(hospital("ca", "rootCA.pem")).spkiDer;
const otherSpki = parseCertificate(hospital("hospital-a", "hospital-a.crt")).spkiDer;

/** An openssl PSS signature over `data` with the reference root key and salt length `salt`, as Base64. */
function opensslSign(salt: string): Promise<string> {
  return inTempDir({ "k.pem": rootKeyPem, data }, (dir) => {
    const run = openssl(
      [
        "dgst",
        "-sha256",
        "-sign",
        "k.pem",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        `rsa_pss_saltlen:${salt}`,
        "-sigopt",
        "rsa_mgf1_md:sha256",
        "-out",
        "sig",
        "data",
      ],
      { cwd: dir },
    );
    assert.equal(run.status, 0, run.stderr);
    return toBase64(new Uint8Array(readFileSync(join(dir, "sig"))));
  });
}

/** openssl's PSS verification of a Base64 signature over `data` with the root key and salt length `salt`. */
function opensslVerify(signature: string, salt: string) {
  return inTempDir({ "k.pem": rootKeyPem, data, sig: Buffer.from(signature, "base64") }, (dir) => {
    const pub = openssl(["pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem"], { cwd: dir });
    assert.equal(pub.status, 0, pub.stderr);
    return openssl(
      [
        "dgst",
        "-sha256",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        `rsa_pss_saltlen:${salt}`,
        "-sigopt",
        "rsa_mgf1_md:sha256",
        "-verify",
        "pub.pem",
        "-signature",
        "sig",
        "data",
      ],
      { cwd: dir },
    );
  });
}

describe("maxPssSaltLength", () => {
  it("is emLen - 32 - 2", () => {
    assert.equal(maxPssSaltLength(2048), 222);
    assert.equal(maxPssSaltLength(2041), 221);
    assert.equal(maxPssSaltLength(2049), 222);
    assert.equal(maxPssSaltLength(3072), 350);
  });
});

describe("signPss and verifyPss", () => {
  let key: LoadedPrivateKey;
  let signature: string;
  before(async () => {
    key = await parsePrivateKeyPem(rootKeyPem, deps);
    signature = await signPss(data, key.pkcs8Der, deps);
  });

  it("writes one line of padded standard Base64 of a 256-byte signature", () => {
    assert.match(signature, /^[A-Za-z0-9+/]{342}==$/);
  });

  it("round-trips, with a fresh salt each time", async () => {
    assert.equal(await verifyPss(data, signature, key.spkiDer, deps), true);
    const again = await signPss(data, key.pkcs8Der, deps);
    assert.notEqual(again, signature);
    assert.equal(await verifyPss(data, again, key.spkiDer, deps), true);
  });

  it("tolerates whitespace around the signature text", async () => {
    assert.equal(await verifyPss(data, `\n ${signature}\r\n`, key.spkiDer, deps), true);
  });

  it("rejects changed data, another key, bad Base64 and an empty signature", async () => {
    const changed = data.slice();
    changed[5]! ^= 1;
    assert.equal(await verifyPss(changed, signature, key.spkiDer, deps), false);
    assert.equal(await verifyPss(data, signature, otherSpki, deps), false);
    assert.equal(await verifyPss(data, `${signature.slice(0, -3)}*==`, key.spkiDer, deps), false);
    assert.equal(await verifyPss(data, signature.slice(4), key.spkiDer, deps), false);
    assert.equal(await verifyPss(data, "", key.spkiDer, deps), false);
    assert.equal(await verifyPss(data, signature, Uint8Array.of(0x30, 0x00), deps), false);
  });

  it("uses the maximum salt length, as openssl confirms", { skip: noOpenssl }, async () => {
    const max = await opensslVerify(signature, "222");
    assert.equal(max.status, 0, max.stderr);
    assert.equal(max.stdout, "Verified OK\n");
    assert.notEqual((await opensslVerify(signature, "32")).status, 0);
  });

  it("accepts openssl signatures with the maximum and the digest-length salt", {
    skip: noOpenssl,
  }, async () => {
    assert.equal(await verifyPss(data, await opensslSign("max"), rootSpki, deps), true);
    assert.equal(await verifyPss(data, await opensslSign("32"), rootSpki, deps), true);
  });

  it("rejects other salt lengths, which the reference's auto-detection would accept", {
    skip: noOpenssl,
  }, async () => {
    assert.equal(await verifyPss(data, await opensslSign("20"), rootSpki, deps), false);
  });
});

describe("verifyPss on the reference signed zips", () => {
  for (const { name } of PARTICIPANTS) {
    it(`verifies signed.json.sig of ${name}`, { skip: !HAVE_UNZIP && "unzip is not installed" }, async () => {
      // carol's request was approved with --out signed/ (CATALOGUE.md, hospital/).
      const dir = name.startsWith("carol") ? "signed" : name;
      const zip = fixturePath("hospital", "work", dir, `${name}.signed.zip`);
      const sig = spawnSync("unzip", ["-p", zip, "signed.json.sig"], { encoding: "utf8" });
      assert.equal(sig.status, 0, sig.stderr);
      const signedJson = hospital(name, "signed.json");
      assert.equal(await verifyPss(signedJson, sig.stdout, rootSpki, deps), true);
      const tampered = signedJson.slice();
      tampered[tampered.length - 2]! ^= 1;
      assert.equal(await verifyPss(tampered, sig.stdout, rootSpki, deps), false);
    });
  }
});

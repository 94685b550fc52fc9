import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { toArrayBuffer } from "../bytes/encoding.ts";
import { parseCertificate } from "./certificate.ts";
import {
  generateRsaKeyPair,
  KeyLoadError,
  parsePrivateKeyPem,
  pkcs1ToPkcs8,
  type RsaKeyPair,
} from "./keys.ts";
import { decodePem, encodePem } from "./pem.ts";
import { HAVE_OPENSSL, hospital, inTempDir, openssl, PARTICIPANTS, testDeps } from "./x509.test-helper.ts";

const deps = testDeps();
const noOpenssl = !HAVE_OPENSSL && "openssl is not installed";
const rootKeyPem = new TextDecoder().decode(hospital("ca", "rootCA.key"));

/** A KeyLoadError with exactly this message. */
const keyError = (message: string) => (e: unknown) => {
  assert.ok(e instanceof KeyLoadError, `expected a KeyLoadError, got ${String(e)}`);
  assert.equal(e.message, message);
  return true;
};

/** Runs openssl in a temp dir holding rootCA.key and returns the text of the file `out`. */
function opensslOutput(args: string[], out: string): Promise<string> {
  return inTempDir({ "rootCA.key": rootKeyPem }, (dir) => {
    const run = openssl(args, { cwd: dir });
    assert.equal(run.status, 0, run.stderr);
    return readFileSync(join(dir, out), "utf8");
  });
}

describe("generateRsaKeyPair", () => {
  let pair: RsaKeyPair;
  before(async () => {
    pair = await generateRsaKeyPair(deps);
  });

  it("writes a PKCS#1 PEM with 64-character lines, LF and a final newline", () => {
    const lines = pair.privateKeyPem.split("\n");
    assert.equal(lines[0], "-----BEGIN RSA PRIVATE KEY-----");
    assert.equal(lines.at(-2), "-----END RSA PRIVATE KEY-----");
    assert.equal(lines.at(-1), "");
    for (const line of lines.slice(1, -3)) assert.equal(line.length, 64);
    assert.ok(!pair.privateKeyPem.includes("\r"));
  });

  it("makes a 2048-bit key with exponent 65537 that signs and verifies", async () => {
    const algorithm = pair.publicKey.algorithm as RsaHashedKeyAlgorithm;
    assert.equal(algorithm.modulusLength, 2048);
    assert.deepEqual([...algorithm.publicExponent], [1, 0, 1]);
    assert.equal((algorithm.hash as Algorithm).name, "SHA-256");
    const data = toArrayBuffer(new TextEncoder().encode("data"));
    const signature = await deps.crypto.subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, data);
    assert.ok(await deps.crypto.subtle.verify("RSASSA-PKCS1-v1_5", pair.publicKey, signature, data));
  });

  it("returns the SPKI and PKCS#8 of the same key as its PEM", async () => {
    const loaded = await parsePrivateKeyPem(pair.privateKeyPem, deps);
    assert.deepEqual(loaded.spkiDer, pair.spkiDer);
    assert.deepEqual(loaded.pkcs8Der, pair.pkcs8Der);
  });

  it("writes a key openssl accepts, with the same public key", { skip: noOpenssl }, async () => {
    await inTempDir({ "k.key": pair.privateKeyPem }, (dir) => {
      const check = openssl(["rsa", "-in", "k.key", "-check", "-noout"], { cwd: dir });
      assert.equal(check.status, 0, check.stderr);
      assert.match(check.stdout, /RSA key ok/);
      const pub = openssl(["pkey", "-in", "k.key", "-pubout"], { cwd: dir });
      assert.deepEqual(decodePem(pub.stdout, "PUBLIC KEY"), pair.spkiDer);
    });
  });
});

describe("parsePrivateKeyPem", () => {
  for (const p of PARTICIPANTS) {
    it(`loads the reference key of ${p.name} and matches its certificate`, async () => {
      const key = await parsePrivateKeyPem(hospital(p.name, `${p.name}.key`), deps);
      const cert = parseCertificate(hospital(p.name, `${p.name}.crt`));
      assert.deepEqual(key.spkiDer, cert.spkiDer);
    });
  }

  it("loads rootCA.key and matches rootCA.pem", async () => {
    const key = await parsePrivateKeyPem(rootKeyPem, deps);
    assert.deepEqual(key.spkiDer, parseCertificate(hospital("ca", "rootCA.pem")).spkiDer);
  });

  it("loads a PKCS#8 key and wraps PKCS#1 exactly as openssl does", { skip: noOpenssl }, async () => {
    const pkcs8Pem = await opensslOutput(
      ["pkcs8", "-topk8", "-nocrypt", "-in", "rootCA.key", "-out", "k8.pem"],
      "k8.pem",
    );
    assert.match(pkcs8Pem, /^-----BEGIN PRIVATE KEY-----\n/);
    const fromPkcs8 = await parsePrivateKeyPem(pkcs8Pem, deps);
    const fromPkcs1 = await parsePrivateKeyPem(rootKeyPem, deps);
    assert.deepEqual(fromPkcs8.spkiDer, fromPkcs1.spkiDer);
    assert.deepEqual(fromPkcs1.pkcs8Der, decodePem(pkcs8Pem, "PRIVATE KEY"));
    assert.deepEqual(pkcs1ToPkcs8(decodePem(rootKeyPem, "RSA PRIVATE KEY")), fromPkcs8.pkcs8Der);
  });

  it("refuses a legacy encrypted PKCS#1 key", { skip: noOpenssl }, async () => {
    const pem = await opensslOutput(
      ["rsa", "-in", "rootCA.key", "-aes128", "-passout", "pass:secret", "-traditional", "-out", "enc.key"],
      "enc.key",
    );
    assert.match(pem, /Proc-Type: 4,ENCRYPTED/);
    await assert.rejects(
      parsePrivateKeyPem(pem, deps),
      keyError("the private key is encrypted; an unencrypted key is required"),
    );
  });

  it("refuses an encrypted PKCS#8 key", { skip: noOpenssl }, async () => {
    const pem = await opensslOutput(
      [
        "pkcs8",
        "-topk8",
        "-in",
        "rootCA.key",
        "-v2",
        "aes-128-cbc",
        "-passout",
        "pass:secret",
        "-out",
        "enc.pem",
      ],
      "enc.pem",
    );
    await assert.rejects(
      parsePrivateKeyPem(pem, deps),
      keyError("the private key is encrypted; an unencrypted key is required"),
    );
  });

  it("refuses a PKCS#8 EC key", { skip: noOpenssl }, async () => {
    const pem = await opensslOutput(
      ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem"],
      "ec.pem",
    );
    await assert.rejects(
      parsePrivateKeyPem(pem, deps),
      keyError("the private key is not an RSA key (algorithm 1.2.840.10045.2.1)"),
    );
  });

  it("refuses a traditional EC key", async () => {
    const pem =
      encodePem("EC PARAMETERS", Uint8Array.of(6, 1, 0)) + encodePem("EC PRIVATE KEY", Uint8Array.of(48, 0));
    await assert.rejects(
      parsePrivateKeyPem(pem, deps),
      keyError('the private key is not an RSA key (found PEM "EC PRIVATE KEY")'),
    );
  });

  it("refuses a certificate", async () => {
    await assert.rejects(
      parsePrivateKeyPem(hospital("ca", "rootCA.pem"), deps),
      keyError('not a private key (found PEM "CERTIFICATE")'),
    );
  });

  it("refuses text without PEM", async () => {
    await assert.rejects(
      parsePrivateKeyPem("key", deps),
      keyError("not a PEM private key (no PEM block found)"),
    );
  });

  it("refuses a PEM body that is not base64", async () => {
    await assert.rejects(
      parsePrivateKeyPem("-----BEGIN RSA PRIVATE KEY-----\n@@@@\n-----END RSA PRIVATE KEY-----\n", deps),
      keyError('malformed PEM private key: PEM block "RSA PRIVATE KEY" does not contain valid base64'),
    );
  });

  it("refuses a PKCS#1 block that is not an RSAPrivateKey", async () => {
    await assert.rejects(
      parsePrivateKeyPem(encodePem("RSA PRIVATE KEY", Uint8Array.of(48, 3, 2, 1, 0)), deps),
      keyError("malformed PKCS#1 RSA private key"),
    );
  });

  it("refuses a PKCS#8 block that is not a PrivateKeyInfo", async () => {
    await assert.rejects(
      parsePrivateKeyPem(encodePem("PRIVATE KEY", Uint8Array.of(4, 1, 0)), deps),
      keyError("malformed PKCS#8 private key"),
    );
  });
});

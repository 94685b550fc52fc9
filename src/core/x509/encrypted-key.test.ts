import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { bytesEqual } from "../bytes/encoding.ts";
import {
  DEFAULT_PBKDF2_ITERATIONS,
  decryptPrivateKey,
  encryptedKeyDer,
  encryptPrivateKey,
  isEncryptedKeyPem,
  MAX_PBKDF2_ITERATIONS,
  readEncryptionParams,
  WrongPassphraseError,
} from "./encrypted-key.ts";
import { KeyLoadError, type LoadedPrivateKey, parsePrivateKeyPem } from "./keys.ts";
import { decodePem, encodePem } from "./pem.ts";
import { HAVE_OPENSSL, hospital, inTempDir, openssl, testDeps } from "./x509.test-helper.ts";

const deps = testDeps();
const noOpenssl = !HAVE_OPENSSL && "openssl is not installed";
const PASS = "correct horse battery staple";
/** Low for speed; the default count is read by openssl in test/e2e/ca-key-encryption.test.ts. */
const FAST = 2048;

describe("encryptPrivateKey / decryptPrivateKey", () => {
  let root: LoadedPrivateKey;
  let pem: string;
  before(async () => {
    root = await parsePrivateKeyPem(hospital("ca", "rootCA.key"), deps);
    pem = await encryptPrivateKey(root.pkcs8Der, PASS, deps, FAST);
  });

  it("writes PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC with a 16-byte salt, and reads it back", async () => {
    assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    assert.ok(isEncryptedKeyPem(pem));
    assert.ok(!isEncryptedKeyPem(hospital("ca", "rootCA.key")));
    const params = readEncryptionParams(encryptedKeyDer(pem));
    assert.deepEqual(
      [params.prfHash, params.iterations, params.cipher, params.salt.length],
      ["SHA-256", FAST, "AES-256-CBC", 16],
    );
    assert.ok(bytesEqual(await decryptPrivateKey(pem, PASS, deps), root.pkcs8Der));
    assert.equal(DEFAULT_PBKDF2_ITERATIONS, 600_000);
  });

  it("a wrong passphrase is WrongPassphraseError", async () => {
    for (const wrong of ["", "correct horse battery stapl", `${PASS} `])
      await assert.rejects(decryptPrivateKey(pem, wrong, deps), WrongPassphraseError, JSON.stringify(wrong));
  });

  it("openssl reads what we write with the passphrase, and gets the same key", {
    skip: noOpenssl,
  }, async () => {
    await inTempDir({ "enc.key": pem }, (dir) => {
      const run = openssl(
        ["pkey", "-in", "enc.key", "-passin", `pass:${PASS}`, "-pubout", "-outform", "DER"],
        {
          cwd: dir,
        },
      );
      assert.equal(run.status, 0, run.stderr);
      const pub = openssl(
        ["pkey", "-in", "enc.key", "-passin", `pass:${PASS}`, "-pubout", "-out", "pub.pem"],
        { cwd: dir },
      );
      assert.equal(pub.status, 0, pub.stderr);
      assert.ok(bytesEqual(decodePem(readFileSync(join(dir, "pub.pem")), ["PUBLIC KEY"]), root.spkiDer));
      const wrong = openssl(["pkey", "-in", "enc.key", "-passin", "pass:nope", "-noout"], { cwd: dir });
      assert.notEqual(wrong.status, 0);
    });
  });

  it("reads what openssl pkcs8 -topk8 -v2 writes, with other AES sizes and HMAC hashes", {
    skip: noOpenssl,
  }, async () => {
    const plain = encodePem("PRIVATE KEY", root.pkcs8Der);
    for (const [cipher, prf] of [
      ["aes-256-cbc", "hmacWithSHA256"],
      ["aes-128-cbc", "hmacWithSHA512"],
      ["aes-192-cbc", "hmacWithSHA1"],
    ]) {
      await inTempDir({ "plain.key": plain }, async (dir) => {
        const run = openssl(
          [
            "pkcs8",
            "-topk8",
            "-in",
            "plain.key",
            "-out",
            "enc.key",
            "-v2",
            cipher as string,
            "-v2prf",
            prf as string,
            "-iter",
            "1000",
            "-passout",
            `pass:${PASS}`,
          ],
          { cwd: dir },
        );
        assert.equal(run.status, 0, run.stderr);
        const theirs = readFileSync(join(dir, "enc.key"));
        assert.ok(bytesEqual(await decryptPrivateKey(theirs, PASS, deps), root.pkcs8Der), `${cipher} ${prf}`);
        await assert.rejects(decryptPrivateKey(theirs, "nope", deps), WrongPassphraseError);
      });
    }
  });

  it("refuses other schemes, legacy PEM encryption and absurd iteration counts with KeyLoadError", async () => {
    const legacy =
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    assert.ok(isEncryptedKeyPem(legacy));
    await assert.rejects(
      decryptPrivateKey(legacy, PASS, deps),
      (e) => e instanceof KeyLoadError && /legacy PEM encryption/.test(e.message),
    );
    await assert.rejects(decryptPrivateKey(hospital("ca", "rootCA.key"), PASS, deps), KeyLoadError);
    // A count over the cap, written with a PBKDF2 stub (the real one would take minutes).
    const subtle = globalThis.crypto.subtle;
    const stub = {
      crypto: {
        subtle: {
          importKey: subtle.importKey.bind(subtle),
          encrypt: subtle.encrypt.bind(subtle),
          deriveBits: async () => new Uint8Array(32).buffer,
        },
      } as unknown as Crypto,
      randomBytes: deps.randomBytes,
    };
    const huge = await encryptPrivateKey(root.pkcs8Der, PASS, stub, MAX_PBKDF2_ITERATIONS + 1);
    assert.throws(
      () => readEncryptionParams(encryptedKeyDer(huge)),
      /unsupported PBKDF2 iteration count 10000001/,
    );
    const der = encryptedKeyDer(pem);
    const corrupt = der.slice(0, der.length - 5);
    assert.throws(() => readEncryptionParams(corrupt), KeyLoadError);
  });
});

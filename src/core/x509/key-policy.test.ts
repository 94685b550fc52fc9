import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { parseCertificate } from "./certificate.ts";
import { rsaKeyFacts, rsaKeyPolicyProblem } from "./key-policy.ts";

function spki(bits: number, exponent: number): Uint8Array {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: exponent });
  return new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
}

const POLICY = "the key-strength policy requires RSA keys of at least 2048 bits with public exponent 65537";

describe("key-strength policy", () => {
  test("reads the size and exponent of the reference keys and passes them", () => {
    const root = parseCertificate(readFixture("hospital/work/ca/rootCA.pem"));
    assert.deepEqual(rsaKeyFacts(root.spkiDer), { bits: 2048, exponent: 65537n });
    assert.equal(rsaKeyPolicyProblem(root.spkiDer), undefined);
  });

  test("passes larger keys, refuses small moduli and other exponents with what it found", () => {
    assert.equal(rsaKeyPolicyProblem(spki(3072, 65537)), undefined);
    assert.equal(
      rsaKeyPolicyProblem(spki(512, 65537)),
      `the key is RSA-512 with public exponent 65537; ${POLICY}`,
    );
    assert.equal(
      rsaKeyPolicyProblem(spki(2047, 65537)),
      `the key is RSA-2047 with public exponent 65537; ${POLICY}`,
    );
    assert.equal(rsaKeyPolicyProblem(spki(2048, 3)), `the key is RSA-2048 with public exponent 3; ${POLICY}`);
    assert.equal(
      rsaKeyPolicyProblem(spki(1024, 17)),
      `the key is RSA-1024 with public exponent 17; ${POLICY}`,
    );
  });

  test("refuses a key that is not RSA", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const problem = rsaKeyPolicyProblem(new Uint8Array(publicKey.export({ type: "spki", format: "der" })));
    assert.match(problem ?? "", /^the public key cannot be read as an RSA key \(not an RSA public key/);
  });
});

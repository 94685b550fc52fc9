import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodePem, encodePem, findPemBlock, findPemBlocks, PemError } from "./pem.ts";
import { hospital, hospitalText } from "./x509.test-helper.ts";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);

describe("encodePem", () => {
  it("writes 64-character base64 lines, LF line ends and a final newline", () => {
    const pem = encodePem("CERTIFICATE", bytes(60));
    const lines = pem.split("\n");
    assert.equal(lines[0], "-----BEGIN CERTIFICATE-----");
    assert.equal(lines[1]!.length, 64);
    assert.equal(lines[2]!.length, 80 - 64);
    assert.equal(lines[3], "-----END CERTIFICATE-----");
    assert.equal(lines[4], "");
    assert.ok(!pem.includes("\r"));
  });

  it("does not leave an empty line when the base64 is an exact multiple of 64", () => {
    const pem = encodePem("X", bytes(48));
    assert.equal(pem.split("\n").length, 4);
  });

  it("reproduces the reference rootCA.pem byte for byte from its DER", () => {
    const text = hospitalText("ca", "rootCA.pem");
    assert.equal(encodePem("CERTIFICATE", decodePem(text, "CERTIFICATE")), text);
  });
});

describe("decodePem", () => {
  it("round-trips arbitrary bytes", () => {
    const der = bytes(300);
    assert.deepEqual(decodePem(encodePem("SOME LABEL", der), "SOME LABEL"), der);
  });

  it("accepts bytes, CRLF line ends and text around the block", () => {
    const pem = `subject=CN = x\r\n${encodePem("CERTIFICATE", bytes(70)).replaceAll("\n", "\r\n")}trailer\n`;
    assert.deepEqual(decodePem(new TextEncoder().encode(pem), "CERTIFICATE"), bytes(70));
  });

  it("returns the first block with a wanted label", () => {
    const text =
      encodePem("PRIVATE KEY", bytes(3)) +
      encodePem("CERTIFICATE", bytes(4)) +
      encodePem("CERTIFICATE", bytes(5));
    assert.deepEqual(decodePem(text, ["CERTIFICATE", "X"]), bytes(4));
  });

  it("names the labels it found when the wanted one is missing", () => {
    assert.throws(
      () => decodePem(hospital("ca", "rootCA.key"), "CERTIFICATE"),
      (e: unknown) =>
        e instanceof PemError && e.message === 'no PEM "CERTIFICATE" block found (found "RSA PRIVATE KEY")',
    );
  });

  it("rejects text without PEM", () => {
    assert.throws(() => decodePem("hello", "CERTIFICATE"), {
      name: "PemError",
      message: 'no PEM data found (expected "CERTIFICATE")',
    });
  });

  it("rejects a body that is not base64", () => {
    assert.throws(() => decodePem("-----BEGIN A-----\n!!!!\n-----END A-----\n", "A"), {
      message: 'PEM block "A" does not contain valid base64',
    });
  });

  it("rejects mismatched BEGIN and END labels", () => {
    assert.throws(() => findPemBlocks("-----BEGIN A-----\nAAAA\n-----END B-----\n"), {
      message: 'PEM block "BEGIN A" ends with "END B"',
    });
  });

  it("reads RFC 1421 headers of a legacy encrypted key", () => {
    const text =
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    const block = findPemBlock(text, "RSA PRIVATE KEY");
    assert.deepEqual(block.headers, { "Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00FF" });
    assert.deepEqual(block.der, Uint8Array.of(0, 0, 0));
  });
});

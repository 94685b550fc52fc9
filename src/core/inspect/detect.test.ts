import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { utf8 } from "../bytes/encoding.ts";
import { detectFileArtifact } from "./detect.ts";

const H = "hospital/work";

describe("detectFileArtifact", () => {
  const cases: Array<[string, string, Uint8Array, string | undefined]> = [
    [
      "a request zip by name",
      "a.request.zip",
      readFixture(H, "hospital-a/hospital-a.request.zip"),
      "request-zip",
    ],
    [
      "a signed zip by name",
      "a.signed.zip",
      readFixture(H, "hospital-a/hospital-a.signed.zip"),
      "signed-zip",
    ],
    [
      "a renamed signed zip by content",
      "download.zip",
      readFixture(H, "hospital-a/hospital-a.signed.zip"),
      "signed-zip",
    ],
    [
      "a renamed request zip by content",
      "x.zip",
      readFixture(H, "hospital-a/hospital-a.request.zip"),
      "request-zip",
    ],
    [
      "an unsafe zip by its raw names",
      "x.zip",
      readFixture("errors/work/cases/request-zip-path-traversal/site-1.request.zip"),
      "request-zip",
    ],
    ["a certificate", "x.pem", readFixture(H, "ca/rootCA.pem"), "certificate"],
    ["a CSR", "x.csr", readFixture(H, "hospital-a/hospital-a.csr"), "csr"],
    ["a key", "x.key", readFixture(H, "hospital-a/hospital-a.key"), "private-key"],
    [
      "a key bundled after a certificate (the key wins)",
      "b.pem",
      utf8(
        `${new TextDecoder().decode(readFixture(H, "hospital-a/hospital-a.crt"))}${new TextDecoder().decode(readFixture(H, "hospital-a/hospital-a.key"))}`,
      ),
      "private-key",
    ],
    ["YAML", "site.yaml", readFixture(H, "hospital-a/site.yaml"), undefined],
  ];
  for (const [label, name, bytes, expected] of cases) {
    test(`recognizes ${label}`, () => {
      assert.equal(detectFileArtifact(name, bytes), expected);
    });
  }
});

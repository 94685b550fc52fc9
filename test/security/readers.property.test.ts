import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { type VerifiedRequest, verifyRequestZip } from "../../src/core/approval/approve-request.ts";
import { platformDeps } from "../../src/core/deps.ts";
import { FlareError } from "../../src/core/errors/flare-error.ts";
import { JsonParseError, parseJson } from "../../src/core/json/parse-json.ts";
import { type VerifiedApproval, verifySignedZip } from "../../src/core/package/verify-signed-zip.ts";
import { parseParticipantDefinition } from "../../src/core/participant/parse-participant.ts";
import { parseProjectProfile } from "../../src/core/profile/parse-profile.ts";
import { CertificateParseError, parseCertificate } from "../../src/core/x509/certificate.ts";
import { CsrParseError, parseCsr } from "../../src/core/x509/csr.ts";
import { DerError } from "../../src/core/x509/der.ts";
import { KeyLoadError, parsePrivateKeyPem } from "../../src/core/x509/keys.ts";
import { decodePem, encodePem, findPemBlocks, PemError } from "../../src/core/x509/pem.ts";
import { parseYaml, YamlParseError } from "../../src/core/yaml/parse-yaml.ts";
import { readZip, ZipViolation } from "../../src/core/zip/read-zip.ts";
import { readFixture } from "../helpers/fixtures.ts";

// Property tests for every reader of untrusted bytes (fast-check, fixed seed, 200 runs each):
// random and mutated zips, YAML, JSON, PEM, CSRs, certificates and keys never crash (only the
// reader's own typed error), and no byte flip makes a tampered request or signed zip pass with
// different content.

const RUNS = { numRuns: 200, seed: 20261127 } as const;
const deps = platformDeps();
const dir = "hospital/work/hospital-a";
const signedZip = readFixture(dir, "hospital-a.signed.zip");
const requestZip = readFixture(dir, "hospital-a.request.zip");
const csrPem = readFixture(dir, "hospital-a.csr");
const certPem = readFixture(dir, "hospital-a.crt");
const keyPem = readFixture(dir, "hospital-a.key");
const siteYaml = new TextDecoder().decode(readFixture(dir, "site.yaml"));
const requestJson = new TextDecoder().decode(readFixture(dir, "request.json"));

/** Asserts `fn` returns or throws one of `types` (never TypeError, RangeError, a stack overflow...). */
function onlyTyped(fn: () => unknown, ...types: (new (...args: never[]) => Error)[]): void {
  try {
    fn();
  } catch (error) {
    assert.ok(
      types.some((type) => error instanceof type),
      `unexpected ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`,
    );
  }
}

async function onlyTypedAsync(fn: () => Promise<unknown>, ...types: (new (...args: never[]) => Error)[]) {
  try {
    await fn();
  } catch (error) {
    assert.ok(
      types.some((type) => error instanceof type),
      `unexpected ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`,
    );
  }
}

/** Up to 8 random byte edits (xor with a non-zero value), optionally truncated. */
function mutated(original: Uint8Array) {
  return fc
    .record({
      edits: fc.array(fc.tuple(fc.nat({ max: original.length - 1 }), fc.integer({ min: 1, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      cut: fc.option(fc.nat({ max: original.length }), { nil: undefined }),
    })
    .map(({ edits, cut }) => {
      const copy = original.slice();
      for (const [at, xor] of edits) copy[at] = (copy[at] as number) ^ xor;
      return cut === undefined ? copy : copy.subarray(0, cut);
    });
}

/** One byte flipped anywhere. */
const flipped = (original: Uint8Array) =>
  fc.tuple(fc.nat({ max: original.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
    const copy = original.slice();
    copy[at] = (copy[at] as number) ^ xor;
    return copy;
  });

/** Text made of the pieces that trip parsers: indicators, anchors, tags, quotes, YAML 1.1 scalars. */
const yamlish = fc
  .array(
    fc.constantFrom(
      "a",
      "name",
      ":",
      " ",
      "  ",
      "\n",
      "- ",
      "&x ",
      "*x",
      "!!str ",
      "!!python/object:os.system ",
      "!x ",
      "[",
      "]",
      "{",
      "}",
      ",",
      "'",
      '"',
      "#",
      "|",
      ">",
      "<<: ",
      "---",
      "...",
      "\t",
      "%YAML 1.1\n",
      "? ",
      "0x1F",
      "0012",
      "~",
      "yes",
      "2026-01-01",
      ".inf",
      "\\u0000",
      "\u0085",
      "\ufeff",
      "é",
      "\ud800",
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(""));

const jsonish = fc
  .array(
    fc.constantFrom(
      "{",
      "}",
      "[",
      "]",
      ",",
      ":",
      '"a"',
      '"\\u0000"',
      '"\\ud800"',
      "1",
      "-0",
      "1e999",
      "9007199254740993",
      "true",
      "null",
      " ",
      "\n",
      '"',
      "\\",
      "NaN",
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(""));

describe("zip reader", () => {
  test("random bytes only ever give a ZipViolation", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) =>
        onlyTyped(() => readZip(bytes), ZipViolation),
      ),
      RUNS,
    );
  });
  test("mutated request and signed zips only ever give a ZipViolation", () => {
    fc.assert(
      fc.property(fc.oneof(mutated(requestZip), mutated(signedZip)), (bytes) =>
        onlyTyped(() => readZip(bytes), ZipViolation),
      ),
      RUNS,
    );
  });
});

describe("YAML reader", () => {
  test("YAML-like token soup only ever gives a YamlParseError", () => {
    fc.assert(
      fc.property(yamlish, (text) => onlyTyped(() => parseYaml(text, "t.yaml"), YamlParseError)),
      RUNS,
    );
  });
  test("arbitrary Unicode only ever gives a YamlParseError", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) =>
        onlyTyped(() => parseYaml(text, "t.yaml"), YamlParseError),
      ),
      RUNS,
    );
  });
  test("mutated site.yaml bytes only ever give a YamlParseError", () => {
    fc.assert(
      fc.property(mutated(new TextEncoder().encode(siteYaml)), (bytes) =>
        onlyTyped(() => parseYaml(bytes, "site.yaml"), YamlParseError),
      ),
      RUNS,
    );
  });
  test("whatever a YAML file holds, the participant and profile readers answer with a FlareError", () => {
    const value = fc
      .oneof(
        yamlish.map((t) => `name: x\nparticipants:\n  - ${t}`),
        yamlish,
      )
      .chain((text) => {
        let parsed: unknown;
        try {
          parsed = parseYaml(text, "p.yaml");
        } catch {
          parsed = { name: "p", participants: [{ name: text, org: 1, type: [] }] };
        }
        return fc.constant(parsed);
      });
    fc.assert(
      fc.property(fc.oneof(value, fc.jsonValue()), (parsed) => {
        onlyTyped(() => parseParticipantDefinition(parsed as Record<string, unknown>, "p.yaml"), FlareError);
        onlyTyped(() => parseProjectProfile(parsed, "profile.yaml", "hospital_federation"), FlareError);
      }),
      RUNS,
    );
  });
});

describe("JSON reader", () => {
  test("JSON-like token soup only ever gives a JsonParseError", () => {
    fc.assert(
      fc.property(jsonish, (text) => onlyTyped(() => parseJson(text, "t.json"), JsonParseError)),
      RUNS,
    );
  });
  test("mutated request.json bytes only ever give a JsonParseError", () => {
    fc.assert(
      fc.property(mutated(new TextEncoder().encode(requestJson)), (bytes) =>
        onlyTyped(() => parseJson(bytes, "request.json"), JsonParseError),
      ),
      RUNS,
    );
  });
});

describe("PEM, CSR, certificate and key readers", () => {
  const pemish = fc
    .array(
      fc.constantFrom(
        "-----BEGIN CERTIFICATE-----",
        "-----END CERTIFICATE-----",
        "-----BEGIN CERTIFICATE REQUEST-----",
        "-----END CERTIFICATE REQUEST-----",
        "-----BEGIN",
        "-----",
        "\n",
        "\r\n",
        "MIIB",
        "AAAA",
        "====",
        "@",
        " ",
      ),
      { maxLength: 30 },
    )
    .map((p) => p.join(""));

  test("PEM soup only ever gives a PemError", () => {
    fc.assert(
      fc.property(pemish, (text) => {
        onlyTyped(() => findPemBlocks(text), PemError);
        onlyTyped(() => decodePem(text, "CERTIFICATE"), PemError);
      }),
      RUNS,
    );
  });
  test("mutated CSRs (PEM text and DER) only ever give a CsrParseError", async () => {
    const der = decodePem(csrPem, "CERTIFICATE REQUEST");
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          mutated(csrPem),
          mutated(der).map((d) => new TextEncoder().encode(encodePem("CERTIFICATE REQUEST", d))),
        ),
        (bytes) => onlyTypedAsync(() => parseCsr(bytes, deps), CsrParseError),
      ),
      RUNS,
    );
  });
  test("mutated certificates only ever give a CertificateParseError, PemError or DerError", () => {
    const der = decodePem(certPem, "CERTIFICATE");
    fc.assert(
      fc.property(
        fc.oneof(
          mutated(certPem),
          mutated(der).map((d) => encodePem("CERTIFICATE", d)),
        ),
        (input) => onlyTyped(() => parseCertificate(input), CertificateParseError, PemError, DerError),
      ),
      RUNS,
    );
  });
  test("mutated private keys only ever give a KeyLoadError", async () => {
    await fc.assert(
      fc.asyncProperty(mutated(keyPem), (bytes) =>
        onlyTypedAsync(() => parsePrivateKeyPem(bytes, deps), KeyLoadError),
      ),
      { ...RUNS, numRuns: 100 },
    );
  });
});

describe("tampering never passes", () => {
  const essentialsOfRequest = (v: VerifiedRequest) => ({
    requestJson: v.requestJsonBytes,
    csr: v.csrPem,
    site: v.siteDocument,
    identity: [v.name, v.project, v.org, v.kind, v.certType, v.certRole],
    hashes: [v.csrSha256, v.publicKeySha256],
  });
  const essentialsOfApproval = (v: VerifiedApproval) => ({
    signedJson: v.signedJsonBytes,
    cert: v.certPem,
    root: v.rootPem,
    site: v.siteDocument,
    fingerprint: v.fingerprint,
    server: v.server,
  });

  test("flipping any byte of a request zip: approve refuses, or sees exactly the same request", async () => {
    const original = essentialsOfRequest(await verifyRequestZip(requestZip, deps));
    await fc.assert(
      fc.asyncProperty(flipped(requestZip), async (bytes) => {
        let result: VerifiedRequest;
        try {
          result = await verifyRequestZip(bytes, deps);
        } catch (error) {
          assert.ok(error instanceof FlareError, `unexpected ${String(error)}`);
          return;
        }
        assert.deepEqual(essentialsOfRequest(result), original);
      }),
      RUNS,
    );
  });

  test("flipping any byte of a signed zip: package refuses, or sees exactly the same approval", async () => {
    const label = "hospital-a.signed.zip";
    const original = essentialsOfApproval(await verifySignedZip(signedZip, { label }, deps));
    await fc.assert(
      fc.asyncProperty(flipped(signedZip), async (bytes) => {
        let result: VerifiedApproval;
        try {
          result = await verifySignedZip(bytes, { label }, deps);
        } catch (error) {
          assert.ok(error instanceof FlareError, `unexpected ${String(error)}`);
          return;
        }
        assert.deepEqual(essentialsOfApproval(result), original);
      }),
      RUNS,
    );
  });
});

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { editedZip, hospitalApprovalInputs } from "../../../test/helpers/artifacts.ts";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { planApproval, verifyRequestZip } from "../approval/approve-request.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { isFlareError } from "../errors/flare-error.ts";
import { parseCsr } from "../x509/csr.ts";
import { readZip } from "../zip/read-zip.ts";
import {
  base32Crockford,
  normalizeRequestCode,
  requestCode,
  requestCodeMessage,
  requestCodeOfZip,
  sameRequestCode,
} from "./request-code.ts";

const deps = fixedDeps();
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** An independent base32 (bit string, 5 at a time) to check the encoder against. */
function referenceBase32(bytes: Uint8Array): string {
  const bits = [...bytes].map((b) => b.toString(2).padStart(8, "0")).join("");
  let out = "";
  for (let i = 0; i < bits.length; i += 5)
    out += CROCKFORD[Number.parseInt(bits.slice(i, i + 5).padEnd(5, "0"), 2)];
  return out;
}

describe("base32Crockford", () => {
  test("encodes as an independent bit-string encoder does, most significant bit first", () => {
    assert.equal(base32Crockford(new Uint8Array(10)), "0000000000000000");
    assert.equal(base32Crockford(new Uint8Array(10).fill(0xff)), "ZZZZZZZZZZZZZZZZ");
    assert.equal(base32Crockford(utf8("f")), "CR");
    for (let seed = 0; seed < 50; seed++) {
      const bytes = Uint8Array.from({ length: 10 }, (_, i) => (seed * 97 + i * 31) & 0xff);
      assert.equal(base32Crockford(bytes), referenceBase32(bytes));
    }
  });
});

describe("requestCodeMessage", () => {
  test("is the domain tag, a zero byte, then each field length-prefixed (4 bytes, big-endian)", () => {
    const message = requestCodeMessage({
      project: "p",
      name: "ab",
      org: "",
      certType: "client",
      spkiDer: Uint8Array.of(1, 2, 3),
      siteYaml: utf8("x"),
    });
    const expected = Buffer.concat([
      Buffer.from("flare-provision request code v1\0"),
      Buffer.from([0, 0, 0, 1]),
      Buffer.from("p"),
      Buffer.from([0, 0, 0, 2]),
      Buffer.from("ab"),
      Buffer.from([0, 0, 0, 0]),
      Buffer.from([0, 0, 0, 6]),
      Buffer.from("client"),
      Buffer.from([0, 0, 0, 3, 1, 2, 3]),
      Buffer.from([0, 0, 0, 1]),
      Buffer.from("x"),
    ]);
    assert.deepEqual(Buffer.from(message), expected);
  });

  test("moving a byte from one field to the next changes the message", () => {
    const base = {
      project: "p",
      org: "o",
      certType: "client",
      spkiDer: Uint8Array.of(1),
      siteYaml: utf8(""),
    };
    assert.notDeepEqual(
      requestCodeMessage({ ...base, name: "ab", org: "c" }),
      requestCodeMessage({ ...base, name: "a", org: "bc" }),
    );
  });
});

describe("requestCode", () => {
  test("is the first 80 bits of SHA-256 of the message, base32, in four groups of four", async () => {
    const input = {
      project: "hospital_federation",
      name: "hospital-a",
      org: "hospital_alpha",
      certType: "client",
      spkiDer: Uint8Array.of(0x30, 0x00),
      siteYaml: utf8("name: hospital_federation\n"),
    };
    const digest = createHash("sha256").update(requestCodeMessage(input)).digest();
    const code = await requestCode(input, deps);
    assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    assert.equal(code.replace(/-/g, ""), referenceBase32(digest.subarray(0, 10)));
  });
});

describe("normalizeRequestCode / sameRequestCode", () => {
  test("ignore case, spaces and dashes, and read O as 0 and I, L as 1", () => {
    assert.equal(normalizeRequestCode("xyd6 j6xt ebm1 18wq"), "XYD6-J6XT-EBM1-18WQ");
    assert.equal(normalizeRequestCode("XYD6J6XTEBM118WQ"), "XYD6-J6XT-EBM1-18WQ");
    assert.equal(normalizeRequestCode(" xyd6-j6xt - ebmi-l8wq "), "XYD6-J6XT-EBM1-18WQ");
    assert.ok(sameRequestCode("XYD6-J6XT-EBM1-18WQ", "xyd6j6xtebm118wq"));
    assert.ok(!sameRequestCode("XYD6-J6XT-EBM1-18WQ", "XYD6-J6XT-EBM1-18WR"));
  });

  test("refuse anything but 16 base32 characters", () => {
    for (const bad of [
      "",
      "XYD6-J6XT-EBM1-18W",
      "XYD6-J6XT-EBM1-18WQQ",
      "XYD6-J6XT-EBM1-18WU",
      "XYD6_J6XT_EBM1_18WQ",
    ])
      assert.equal(normalizeRequestCode(bad), undefined, bad);
    assert.ok(!sameRequestCode("", ""));
  });
});

describe("requestCodeOfZip", () => {
  const H = "hospital/work";

  test("a reference request zip has a code, from its request.json identity, CSR key and site.yaml", async () => {
    const zip = readFixture(H, "hospital-a", "hospital-a.request.zip");
    const code = await requestCodeOfZip(zip, deps);
    // Recomputed here from the parts of the zip, the hash taken by node:crypto.
    const members = new Map(readZip(zip).map((e) => [e.name, e.data]));
    const request = JSON.parse(fromUtf8(members.get("request.json")!));
    const spkiDer = (await parseCsr(members.get("hospital-a.csr")!, deps)).spkiDer;
    const message = requestCodeMessage({
      project: request.project,
      name: request.name,
      org: request.org,
      certType: request.cert_type,
      spkiDer,
      siteYaml: members.get("site.yaml")!,
    });
    const digest = createHash("sha256").update(message).digest();
    assert.equal(code.replace(/-/g, ""), referenceBase32(digest.subarray(0, 10)));
    // The same code as approval computes for the verified zip.
    assert.equal((await verifyRequestZip(zip, deps)).requestCode, code);
    // Every reference zip has a distinct one.
    const codes = new Set<string>();
    for (const name of ["server1.hospital-central.org", "hospital-a", "alice@hospital-alpha.org"])
      codes.add(await requestCodeOfZip(readFixture(H, name, `${name}.request.zip`), deps));
    assert.equal(codes.size, 3);
  });

  test("changes with the CSR key, the identity and site.yaml, not with the request id", async () => {
    const original = await requestCodeOfZip(readFixture(H, "hospital-a", "hospital-a.request.zip"), deps);
    const other = readFixture("errors/work", "site-1", "site-1.request.zip");
    const otherCsr = readZip(other).find((e) => e.name === "site-1.csr")!.data;
    const swappedCsr = editedZip([H, "hospital-a", "hospital-a.request.zip"], (m) => {
      m.set("hospital-a.csr", otherCsr);
    });
    assert.notEqual(await requestCodeOfZip(swappedCsr, deps), original);
    assert.notEqual(await requestCodeOfZip(other, deps), original);
    const editJson = (edit: (r: Record<string, unknown>) => void) =>
      editedZip([H, "hospital-a", "hospital-a.request.zip"], (m) => {
        const request = JSON.parse(fromUtf8(m.get("request.json")!));
        edit(request);
        m.set("request.json", utf8(JSON.stringify(request)));
      });
    assert.notEqual(
      await requestCodeOfZip(
        editJson((r) => (r.org = "hospital_beta")),
        deps,
      ),
      original,
    );
    assert.notEqual(
      await requestCodeOfZip(
        editJson((r) => (r.project = "other")),
        deps,
      ),
      original,
    );
    assert.equal(
      await requestCodeOfZip(
        editJson((r) => (r.request_id = "0".repeat(32))),
        deps,
      ),
      original,
    );
    const site = editedZip([H, "hospital-a", "hospital-a.request.zip"], (m) => {
      m.set("site.yaml", utf8(`${fromUtf8(m.get("site.yaml")!)}# edited\n`));
    });
    assert.notEqual(await requestCodeOfZip(site, deps), original);
  });

  test("refuses a zip whose parts it cannot read, with INVALID_ARGS", async () => {
    const noCsr = editedZip([H, "hospital-a", "hospital-a.request.zip"], (m) => m.delete("hospital-a.csr"));
    await assert.rejects(requestCodeOfZip(noCsr, deps), (e) => isFlareError(e, "INVALID_ARGS"));
  });
});

describe("planApproval with an expected code", () => {
  test("goes on with the zip's code in any spelling, refuses another with REQUEST_CODE_MISMATCH", async () => {
    const inputs = hospitalApprovalInputs(
      readFixture("hospital/work", "hospital-a", "hospital-a.request.zip"),
    );
    const code = await requestCodeOfZip(inputs.requestZip, deps);
    const plan = await planApproval({ ...inputs, expectedCode: code.toLowerCase().replace(/-/g, " ") }, deps);
    assert.equal(plan.verified.requestCode, code);
    const wrong = code.endsWith("0") ? `${code.slice(0, -1)}1` : `${code.slice(0, -1)}0`;
    await assert.rejects(planApproval({ ...inputs, expectedCode: wrong }, deps), (e) => {
      assert.ok(isFlareError(e, "REQUEST_CODE_MISMATCH"));
      assert.equal(e.exitCode, 4);
      assert.match(e.message, new RegExp(code));
      return true;
    });
    await assert.rejects(planApproval({ ...inputs, expectedCode: "abc" }, deps), (e) =>
      isFlareError(e, "INVALID_ARGS"),
    );
  });
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { REPO_ROOT } from "../../../test/helpers/fixtures.ts";
import { isFlareError } from "../errors/flare-error.ts";
import { parseYamlMapping } from "../inputs/structured.ts";
import { checkAgainstRoster, missingFromRoster, parseRoster, type RequestIdentity } from "./roster.ts";

const CODE = "XYD6-J6XT-EBM1-18WQ";
const doc = () => ({
  project: "hospital_federation",
  participants: [
    { name: "server1.hospital-central.org", type: "server", org: "hospital_central" },
    { name: "hospital-a", type: "client", org: "hospital_alpha", request_code: "xyd6 j6xt ebm1 18wq" },
    { name: "alice@hospital-alpha.org", type: "admin", org: "hospital_alpha", role: "lead" },
  ],
});

function invalidWith(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isFlareError(error, "ROSTER_INVALID"), String(error));
    assert.equal(error.exitCode, 4);
    assert.match(error.message, pattern);
    return true;
  };
}

describe("parseRoster", () => {
  test("reads the participants in order, normalizing request codes", () => {
    const roster = parseRoster(doc(), "roster.yaml");
    assert.equal(roster.project, "hospital_federation");
    assert.deepEqual(
      roster.entries.map((e) => [e.name, e.type, e.org, e.role, e.requestCode]),
      [
        ["server1.hospital-central.org", "server", "hospital_central", null, undefined],
        ["hospital-a", "client", "hospital_alpha", null, CODE],
        ["alice@hospital-alpha.org", "admin", "hospital_alpha", "lead", undefined],
      ],
    );
  });

  test("the example roster parses and lists the example participants", () => {
    const path = join(REPO_ROOT, "examples", "hospital", "roster.yaml");
    const roster = parseRoster(
      parseYamlMapping(new Uint8Array(readFileSync(path)), "roster.yaml"),
      "roster.yaml",
    );
    assert.equal(roster.entries.length, 6);
    assert.deepEqual(
      roster.entries.filter((e) => e.type === "admin").map((e) => e.role),
      ["lead", "org_admin", "member"],
    );
  });

  test("refuses each malformed field with ROSTER_INVALID naming it", () => {
    const cases: Array<[(d: ReturnType<typeof doc>) => unknown, RegExp]> = [
      [(d) => ({ ...d, participants: [] }), /participants must be a non-empty list/],
      [(d) => ({ ...d, extra: 1 }), /: extra is not a roster field/],
      [(d) => ({ ...d, project: " x" }), /project must not start or end with whitespace/],
      [(d) => ({ ...d, participants: [...d.participants, "x"] }), /participants\[3\] must be a mapping/],
      [
        (d) => ({ ...d, participants: [{ ...d.participants[0], nmae: "x" }] }),
        /participants\[0\]\.nmae is not/,
      ],
      [
        (d) => ({ ...d, participants: [{ ...d.participants[0], name: "" }] }),
        /participants\[0\]\.name must be/,
      ],
      [(d) => ({ ...d, participants: [{ ...d.participants[0], type: "site" }] }), /\.type must be one of/],
      [(d) => ({ ...d, participants: [{ ...d.participants[0], org: 3 }] }), /participants\[0\]\.org must be/],
      [(d) => ({ ...d, participants: [{ ...d.participants[2], role: "boss" }] }), /\.role must be one of/],
      [(d) => ({ ...d, participants: [{ ...d.participants[2], role: undefined }] }), /\.role must be a non/],
      [
        (d) => ({ ...d, participants: [{ ...d.participants[0], role: "lead" }] }),
        /\.role is only for type admin/,
      ],
      [
        (d) => ({ ...d, participants: [{ ...d.participants[1], request_code: "ABCD" }] }),
        /participants\[0\]\.request_code must be 16 base32/,
      ],
      [
        (d) => ({ ...d, participants: [d.participants[0], d.participants[0]] }),
        /participants\[1\]\.name lists 'server1\.hospital-central\.org' a second time/,
      ],
    ];
    for (const [make, pattern] of cases)
      assert.throws(
        () => parseRoster(make(doc()) as Record<string, unknown>, "roster.yaml"),
        invalidWith(pattern),
      );
  });
});

describe("checkAgainstRoster", () => {
  const roster = parseRoster(doc(), "roster.yaml");
  const request = (over: Partial<RequestIdentity>): RequestIdentity => ({
    project: "hospital_federation",
    name: "hospital-a",
    org: "hospital_alpha",
    certType: "client",
    requestCode: CODE,
    ...over,
  });

  test("passes a listed request with the same fields and code", () => {
    assert.equal(checkAgainstRoster(roster, request({})).name, "hospital-a");
    const alice = { name: "alice@hospital-alpha.org", certType: "lead", requestCode: "0".repeat(16) };
    assert.equal(checkAgainstRoster(roster, request(alice)).role, "lead");
  });

  test("refuses a request not listed, differing in any field, or with another code", () => {
    assert.throws(
      () => checkAgainstRoster(roster, request({ name: "hospital-x" })),
      (e) =>
        isFlareError(e, "ROSTER_NOT_LISTED") &&
        /'hospital-x' is not on the roster roster\.yaml/.test(e.message),
    );
    for (const [over, pattern] of [
      [{ org: "evil" }, /org: request 'evil', roster 'hospital_alpha'/],
      [{ certType: "server" }, /type: request 'server', roster 'client'/],
      [{ project: "other" }, /project: request 'other', roster 'hospital_federation'/],
      [
        { name: "alice@hospital-alpha.org", certType: "org_admin" },
        /role: request 'org_admin', roster 'lead'/,
      ],
      [
        { name: "alice@hospital-alpha.org", certType: "client" },
        /type: request 'client', roster 'admin'; role: request '\(none\)', roster 'lead'/,
      ],
    ] as const) {
      assert.throws(
        () => checkAgainstRoster(roster, request(over)),
        (e) => isFlareError(e, "ROSTER_MISMATCH") && e.exitCode === 4 && pattern.test(e.message),
      );
    }
    assert.throws(
      () => checkAgainstRoster(roster, request({ requestCode: "0000-0000-0000-0000" })),
      (e) => isFlareError(e, "REQUEST_CODE_MISMATCH") && e.message.includes(`not ${CODE} as the roster`),
    );
  });

  test("missingFromRoster lists who sent nothing, in roster order", () => {
    assert.deepEqual(
      missingFromRoster(roster, ["hospital-a", "stranger"]).map((e) => e.name),
      ["server1.hospital-central.org", "alice@hospital-alpha.org"],
    );
  });
});

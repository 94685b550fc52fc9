import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { parseCertificate } from "../x509/certificate.ts";
import { generateRsaKeyPair, type LoadedPrivateKey, parsePrivateKeyPem } from "../x509/keys.ts";
import { appendEntries, EMPTY_TIP } from "./append.ts";
import { canonicalJson, type IssueFields, type RevokeFields } from "./entry.ts";
import { assertLedgerOk, readLedger } from "./verify-ledger.ts";

const deps = fixedDeps(new Date("2026-11-28T12:00:00Z"));
const root = parseCertificate(readFixture("hospital/work/ca", "rootCA.pem"));
let key: LoadedPrivateKey;

function issue(name: string, serial: string): IssueFields {
  return {
    type: "issue",
    time: "2026-11-28T12:00:00Z",
    serial,
    name,
    kind: "site",
    cert_type: "client",
    cert_role: null,
    org: "hospital_alpha",
    project: "hospital_federation",
    spki_sha256: "a".repeat(64),
    request_id: "b".repeat(32),
    not_before: "2026-11-28T12:00:00Z",
    not_after: "2029-11-27T12:00:00Z",
    certificate_sha256: "c".repeat(64),
    signed_zip_sha256: "d".repeat(64),
    deploy_version: "00",
  };
}
const revoke: RevokeFields = {
  type: "revoke",
  time: "2026-11-29T12:00:00Z",
  serials: ["0x2"],
  reason: "keyCompromise",
  crl_number: 1,
  crl_sha256: "e".repeat(64),
};

/** A ledger of four entries, built by appending one at a time as approvals do. */
async function fourEntries(): Promise<{ ledger: Uint8Array; head: Uint8Array }> {
  let ledger: Uint8Array = new Uint8Array();
  let tip = EMPTY_TIP;
  let head: Uint8Array = new Uint8Array();
  for (const fields of [
    issue("hospital-a", "0x1"),
    issue("hospital-b", "0x2"),
    revoke,
    issue("hospital-a", "0x3"),
  ]) {
    const next = await appendEntries(ledger, tip, [fields], key.privateKey, deps);
    ({ ledger, head, tip } = next);
  }
  return { ledger, head };
}

const lines = (ledger: Uint8Array) => fromUtf8(ledger).split("\n").slice(0, -1);
const join = (rows: string[]) => utf8(rows.map((l) => `${l}\n`).join(""));

async function problemOf(ledger: Uint8Array | undefined, head: Uint8Array | undefined) {
  const state = await readLedger(ledger, head, root.spkiDer, deps);
  assert.ok(state.problem, "expected a problem");
  return state.problem;
}

before(async () => {
  key = await parsePrivateKeyPem(readFixture("hospital/work/ca", "rootCA.key"), deps);
});

describe("canonicalJson", () => {
  test("sorts keys, drops undefined, escapes outside printable ASCII", () => {
    assert.equal(
      canonicalJson({ b: 1, a: ["x", null, true], c: undefined, d: "é\n" }),
      '{"a":["x",null,true],"b":1,"d":"\\u00e9\\n"}',
    );
    assert.throws(() => canonicalJson({ x: 1.5 }), /safe integers/);
  });
});

describe("the ledger chain", () => {
  test("a ledger built entry by entry verifies, with seq 1..n and the tip in the head", async () => {
    const { ledger, head } = await fourEntries();
    const state = await readLedger(ledger, head, root.spkiDer, deps);
    assert.equal(state.problem, undefined);
    assert.deepEqual(
      state.entries.map((e) => [e.seq, e.type]),
      [
        [1, "issue"],
        [2, "issue"],
        [3, "revoke"],
        [4, "issue"],
      ],
    );
    assert.equal(state.tip.seq, 4);
    assert.equal(JSON.parse(fromUtf8(head)).hash, state.tip.hash);
    assert.equal(state.entries[0]?.prev, "0".repeat(64));
    assert.doesNotThrow(() => assertLedgerOk(state, "ca"));
  });

  test("no ledger and no head: absent, not a problem", async () => {
    const state = await readLedger(undefined, undefined, root.spkiDer, deps);
    assert.equal(state.absent, true);
    assert.equal(state.problem, undefined);
  });

  test("an edited field breaks that entry's signature", async () => {
    const { ledger, head } = await fourEntries();
    const rows = lines(ledger);
    rows[1] = rows[1]!.replace('"hospital-b"', '"hospital-x"');
    const problem = await problemOf(join(rows), head);
    assert.equal(problem.seq, 2);
    assert.match(
      problem.message,
      /^entry 2 \(line 2 of ledger\.jsonl\): the root CA's signature does not verify/,
    );
  });

  test("a line verified once is checked again against another root, and an edit after a good read is caught", async () => {
    const { ledger, head } = await fourEntries();
    // A first read verifies (and remembers) every line under the hospital root.
    assert.equal((await readLedger(ledger, head, root.spkiDer, deps)).problem, undefined);
    const stranger = await generateRsaKeyPair(deps);
    const other = await readLedger(ledger, head, stranger.spkiDer, deps);
    assert.equal(other.problem?.seq, 1);
    assert.match(String(other.problem?.message), /signature does not verify/);
    const rows = lines(ledger);
    rows[2] = rows[2]!.replace('"keyCompromise"', '"unspecified"');
    assert.match(rows[2]!, /"unspecified"/);
    const edited = await problemOf(join(rows), head);
    assert.equal(edited.seq, 3);
  });

  test("a reformatted line is named as not canonical", async () => {
    const { ledger, head } = await fourEntries();
    const rows = lines(ledger);
    rows[2] = JSON.stringify(JSON.parse(rows[2]!), null, 1).replace(/\n/g, " ");
    const problem = await problemOf(join(rows), head);
    assert.equal(problem.seq, 3);
    assert.match(problem.message, /not in canonical form/);
  });

  test("a deleted entry is named at the position it left empty", async () => {
    const { ledger, head } = await fourEntries();
    const rows = lines(ledger);
    rows.splice(1, 1);
    const problem = await problemOf(join(rows), head);
    assert.equal(problem.seq, 2);
    assert.match(problem.message, /has seq 3, expected 2: an entry before it was deleted/);
  });

  test("two swapped entries are named at the first swapped one", async () => {
    const { ledger, head } = await fourEntries();
    const rows = lines(ledger);
    [rows[1], rows[2]] = [rows[2]!, rows[1]!];
    const problem = await problemOf(join(rows), head);
    assert.equal(problem.seq, 2);
    assert.match(problem.message, /has seq 3, expected 2/);
  });

  test("an entry duplicated in place of another is caught by seq", async () => {
    const { ledger, head } = await fourEntries();
    const rows = lines(ledger);
    rows[2] = rows[1]!;
    const problem = await problemOf(join(rows), head);
    assert.equal(problem.seq, 3);
    assert.match(problem.message, /has seq 2, expected 3: entries were reordered or duplicated/);
  });

  test("a truncated ledger is named by the head: the first missing entry", async () => {
    const { ledger, head } = await fourEntries();
    const problem = await problemOf(join(lines(ledger).slice(0, 2)), head);
    assert.equal(problem.seq, 3);
    assert.match(problem.message, /truncated: entries 3 to 4 are missing/);
  });

  test("a last line cut mid-write is named", async () => {
    const { ledger, head } = await fourEntries();
    const problem = await problemOf(ledger.subarray(0, ledger.length - 10), head);
    assert.equal(problem.seq, 4);
    assert.match(problem.message, /does not end with a newline/);
  });

  test("a missing head, a missing ledger and an edited head are each named", async () => {
    const { ledger, head } = await fourEntries();
    assert.match((await problemOf(ledger, undefined)).message, /ledger\.head\.json is missing/);
    assert.match((await problemOf(undefined, head)).message, /truncated: entries 1 to 4 are missing/);
    const edited = utf8(fromUtf8(head).replace(/"seq":4/, '"seq":3'));
    assert.match(
      (await problemOf(ledger, edited)).message,
      /ledger\.head\.json: the root CA's signature does not verify/,
    );
  });

  test("an entry appended by someone without the root key is caught, even with a head of its own", async () => {
    const { ledger, head } = await fourEntries();
    const stranger = await generateRsaKeyPair(deps);
    const state = await readLedger(ledger, head, root.spkiDer, deps);
    const forged = await appendEntries(
      ledger,
      state.tip,
      [issue("mallory", "0x9")],
      stranger.privateKey,
      deps,
    );
    const problem = await problemOf(forged.ledger, forged.head);
    assert.equal(problem.seq, 5);
    assert.match(problem.message, /signature does not verify/);
    // And with the old, genuine head: the extra line is beyond what the head records.
    const unsigned = await problemOf(forged.ledger, head);
    assert.equal(unsigned.seq, 5);
  });

  test("assertLedgerOk throws LEDGER_INVALID with the first bad seq", async () => {
    const { ledger, head } = await fourEntries();
    const rows = lines(ledger);
    rows.splice(0, 1);
    const state = await readLedger(join(rows), head, root.spkiDer, deps);
    assert.throws(
      () => assertLedgerOk(state, "ca"),
      (error: Error & { code?: string; exitCode?: number; data?: Record<string, unknown> }) => {
        assert.equal(error.code, "LEDGER_INVALID");
        assert.equal(error.exitCode, 4);
        assert.equal(error.data?.first_bad_seq, 1);
        assert.match(error.message, /^The issuance ledger in ca does not verify: entry 1 /);
        return true;
      },
    );
  });
});

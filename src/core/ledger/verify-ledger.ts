/**
 * Reads and checks a ledger: every line canonical and well-formed, signed by the root key,
 * numbered 1, 2, 3... and chained to the line before; and the signed head naming the last
 * line, so a ledger cut short is seen too. The first failure is named by its seq and line.
 */
import { fromBase64, fromUtf8, toArrayBuffer, toHex, utf8 } from "../bytes/encoding.ts";
import type { CoreDeps, WebCryptoKey } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import { importRsaPublicKey } from "../x509/keys.ts";
import { type ChainTip, EMPTY_TIP, lineHash } from "./append.ts";
import {
  canonicalJson,
  GENESIS_HASH,
  LEDGER_FILE,
  LEDGER_HEAD_FILE,
  type LedgerEntry,
  type LedgerHead,
  signedTextOf,
} from "./entry.ts";

/** The first thing wrong with a ledger. */
export interface LedgerProblem {
  /** The seq of the first bad entry (the position it should have); `null` for the head record itself. */
  seq: number | null;
  /** 1-based line of `ledger.jsonl`, when the problem is on a line. */
  line: number | null;
  message: string;
}

/** What a ledger holds, read up to its first problem. */
export interface LedgerState {
  /** No ledger file and no head: a CA folder from the reference or an older version. */
  absent: boolean;
  /** The entries that verified, in order (all of them when there is no problem). */
  entries: LedgerEntry[];
  /** The tip the head records (or that the entries reach when the head is missing). */
  tip: ChainTip;
  problem: LedgerProblem | undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;
const SERIAL = /^0x[0-9a-f]+$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const ISSUE_STRINGS = [
  "time",
  "serial",
  "name",
  "kind",
  "cert_type",
  "org",
  "project",
  "spki_sha256",
  "request_id",
  "not_before",
  "not_after",
  "certificate_sha256",
  "signed_zip_sha256",
  "deploy_version",
] as const;
const ISSUE_KEYS = new Set<string>([...ISSUE_STRINGS, "type", "cert_role", "seq", "prev", "sig"]);
const REVOKE_KEYS = new Set([
  "type",
  "time",
  "serials",
  "reason",
  "crl_number",
  "crl_sha256",
  "seq",
  "prev",
  "sig",
]);

/** Why a parsed line is not a well-formed entry, or undefined. */
function shapeProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "it is not a JSON object";
  const e = value as Record<string, unknown>;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) return "its seq is not a positive integer";
  if (typeof e.prev !== "string" || !HEX64.test(e.prev)) return "its prev is not a SHA-256 hex digest";
  if (typeof e.sig !== "string" || e.sig === "") return "it has no signature";
  const keys = Object.keys(e);
  if (e.type === "issue") {
    const extra = keys.find((k) => !ISSUE_KEYS.has(k));
    if (extra) return `it has the unknown field ${JSON.stringify(extra)}`;
    const missing = ISSUE_STRINGS.find((k) => typeof e[k] !== "string");
    if (missing) return `its ${missing} is missing or not a string`;
    if (e.cert_role !== null && typeof e.cert_role !== "string")
      return "its cert_role is not a string or null";
    if (!SERIAL.test(e.serial as string)) return "its serial is not 0x-hex";
    for (const k of ["time", "not_before", "not_after"] as const)
      if (!TIME.test(e[k] as string)) return `its ${k} is not a UTC timestamp`;
    return undefined;
  }
  if (e.type === "revoke") {
    const extra = keys.find((k) => !REVOKE_KEYS.has(k));
    if (extra) return `it has the unknown field ${JSON.stringify(extra)}`;
    if (typeof e.time !== "string" || !TIME.test(e.time)) return "its time is not a UTC timestamp";
    if (!Array.isArray(e.serials) || e.serials.length === 0) return "its serials are missing";
    if (!e.serials.every((s) => typeof s === "string" && SERIAL.test(s))) return "a serial is not 0x-hex";
    if (typeof e.reason !== "string") return "its reason is not a string";
    if (!Number.isSafeInteger(e.crl_number) || (e.crl_number as number) < 1)
      return "its crl_number is not a positive integer";
    if (typeof e.crl_sha256 !== "string" || !HEX64.test(e.crl_sha256))
      return "its crl_sha256 is not a SHA-256 hex digest";
    return undefined;
  }
  return `its type ${JSON.stringify(e.type)} is neither "issue" nor "revoke"`;
}

function headProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "it is not a JSON object";
  const h = value as Record<string, unknown>;
  const extra = Object.keys(h).find((k) => !["type", "seq", "hash", "time", "sig"].includes(k));
  if (extra) return `it has the unknown field ${JSON.stringify(extra)}`;
  if (h.type !== "head") return 'its type is not "head"';
  if (!Number.isSafeInteger(h.seq) || (h.seq as number) < 0) return "its seq is not an integer";
  if (typeof h.hash !== "string" || !HEX64.test(h.hash)) return "its hash is not a SHA-256 hex digest";
  if (typeof h.time !== "string" || !TIME.test(h.time)) return "its time is not a UTC timestamp";
  if (typeof h.sig !== "string" || h.sig === "") return "it has no signature";
  return undefined;
}

async function signatureOk(
  record: Record<string, unknown>,
  rootKey: WebCryptoKey | undefined,
  deps: Pick<CoreDeps, "crypto">,
): Promise<boolean> {
  if (!rootKey) return false;
  let signature: Uint8Array;
  try {
    signature = fromBase64(record.sig as string);
  } catch {
    return false;
  }
  try {
    return await deps.crypto.subtle.verify(
      "RSASSA-PKCS1-v1_5",
      rootKey,
      toArrayBuffer(signature),
      toArrayBuffer(utf8(signedTextOf(record))),
    );
  } catch {
    return false;
  }
}

function parseLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Exact entry lines whose signature already verified against a root key, per key, with their
 * hash. A batch approval reads the ledger once per zip; without this every read would check
 * every earlier signature and hash every earlier line again (quadratic in the batch). The
 * answer for an exact (key, line) pair never changes, so remembering it changes no result;
 * everything else (shape, canonical form, seq, chain, head) is checked on every read.
 */
const verifiedLines = new Map<string, Map<string, string>>();
const MAX_REMEMBERED = 100_000;

function verifiedLinesOf(rootSpki: Uint8Array): Map<string, string> {
  const id = toHex(rootSpki);
  let lines = verifiedLines.get(id);
  if (!lines || lines.size > MAX_REMEMBERED) {
    lines = new Map();
    verifiedLines.set(id, lines);
  }
  return lines;
}

/**
 * Verifies `ledger.jsonl` and `ledger.head.json` (either may be absent) against the root's
 * public key. Never throws for a bad ledger: the first problem is in `problem`, with the
 * entries before it.
 */
export async function readLedger(
  ledgerBytes: Uint8Array | undefined,
  headBytes: Uint8Array | undefined,
  rootSpki: Uint8Array,
  deps: Pick<CoreDeps, "crypto">,
): Promise<LedgerState> {
  const state: LedgerState = { absent: false, entries: [], tip: EMPTY_TIP, problem: undefined };
  if (ledgerBytes === undefined && headBytes === undefined) return { ...state, absent: true };
  // Imported once: every entry and the head are checked against the same key.
  let rootKey: WebCryptoKey | undefined;
  try {
    rootKey = await importRsaPublicKey(rootSpki, deps);
  } catch {
    rootKey = undefined;
  }
  const fail = (seq: number | null, line: number | null, message: string): LedgerState => ({
    ...state,
    problem: { seq, line, message },
  });

  const known = verifiedLinesOf(rootSpki);
  let text = "";
  if (ledgerBytes !== undefined) {
    try {
      text = fromUtf8(ledgerBytes);
    } catch {
      return fail(1, null, `${LEDGER_FILE} is not UTF-8 text`);
    }
  }
  const lines = text === "" ? [] : text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] !== "") {
    // A last line without its newline was cut off mid-write or edited.
    const n = lines.length;
    return (
      (await checkLines(lines.slice(0, -1))) ??
      fail(n, n, `entry ${n} (line ${n}) does not end with a newline`)
    );
  }
  const bad = await checkLines(lines.slice(0, -1));
  if (bad) return bad;

  async function checkLines(body: string[]): Promise<LedgerState | undefined> {
    let tip = EMPTY_TIP;
    for (const [i, line] of body.entries()) {
      const n = i + 1;
      const where = `entry ${n} (line ${n} of ${LEDGER_FILE})`;
      const value = parseLine(line);
      if (value === undefined) return fail(n, n, `${where} is not JSON`);
      const shape = shapeProblem(value);
      if (shape) return fail(n, n, `${where} is malformed: ${shape}`);
      if (canonicalJson(value) !== line)
        return fail(n, n, `${where} is not in canonical form (edited by hand)`);
      const entry = value as LedgerEntry;
      if (
        !known.has(line) &&
        !(await signatureOk(entry as unknown as Record<string, unknown>, rootKey, deps))
      )
        return fail(
          n,
          n,
          `${where}: the root CA's signature does not verify (the entry was edited or not signed by this CA)`,
        );
      if (entry.seq !== n) {
        const why = entry.seq > n ? "an entry before it was deleted" : "entries were reordered or duplicated";
        return fail(n, n, `${where} has seq ${entry.seq}, expected ${n}: ${why}`);
      }
      const expectedPrev = n === 1 ? GENESIS_HASH : tip.hash;
      if (entry.prev !== expectedPrev)
        return fail(
          n,
          n,
          `${where} does not chain to entry ${n - 1}: its prev is not the hash of the line before`,
        );
      const hash = known.get(line) ?? (await lineHash(line, deps));
      known.set(line, hash);
      state.entries.push(entry);
      tip = { seq: n, hash };
    }
    state.tip = tip;
    return undefined;
  }

  const reached = state.tip;
  if (headBytes === undefined)
    return fail(null, null, `${LEDGER_HEAD_FILE} is missing: the end of the ledger cannot be confirmed`);
  let head: LedgerHead;
  try {
    const value = JSON.parse(fromUtf8(headBytes)) as unknown;
    const problem = headProblem(value);
    if (problem) return fail(null, null, `${LEDGER_HEAD_FILE} is malformed: ${problem}`);
    head = value as LedgerHead;
  } catch {
    return fail(null, null, `${LEDGER_HEAD_FILE} is not JSON`);
  }
  if (fromUtf8(headBytes) !== `${canonicalJson(head)}\n`)
    return fail(null, null, `${LEDGER_HEAD_FILE} is not in canonical form (edited by hand)`);
  if (!(await signatureOk(head as unknown as Record<string, unknown>, rootKey, deps)))
    return fail(null, null, `${LEDGER_HEAD_FILE}: the root CA's signature does not verify`);
  if (head.seq > reached.seq) {
    const first = reached.seq + 1;
    const range = head.seq === first ? `entry ${first} is` : `entries ${first} to ${head.seq} are`;
    return fail(
      first,
      null,
      `the ledger was truncated: ${range} missing (${LEDGER_HEAD_FILE} records ${head.seq} entries, ${LEDGER_FILE} has ${reached.seq})`,
    );
  }
  if (head.seq < reached.seq) {
    const first = head.seq + 1;
    return fail(
      first,
      first,
      `entry ${first} (line ${first} of ${LEDGER_FILE}) is beyond the last entry ${LEDGER_HEAD_FILE} records (${head.seq}): it was appended without the CA`,
    );
  }
  if (head.hash !== reached.hash) {
    const n = reached.seq;
    return fail(
      n,
      n,
      `entry ${n} (line ${n} of ${LEDGER_FILE}) is not the last entry ${LEDGER_HEAD_FILE} records: the end of the ledger was replaced`,
    );
  }
  return state;
}

/** Throws `LEDGER_INVALID` naming the first bad entry of a ledger that did not verify. */
export function assertLedgerOk(state: LedgerState, caDir: string): void {
  if (!state.problem) return;
  const { seq, message } = state.problem;
  throw new FlareError("LEDGER_INVALID", {
    message: `The issuance ledger in ${caDir} does not verify: ${message}.`,
    data: { first_bad_seq: seq, line: state.problem.line, verified_entries: state.entries.length },
  });
}

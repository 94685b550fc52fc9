import { fromUtf8, toArrayBuffer, toBase64, utf8 } from "../bytes/encoding.ts";
import { sha256Hex } from "../bytes/hash.ts";
import { isoSeconds } from "../bytes/time.ts";
import type { CoreDeps, WebCryptoKey } from "../deps.ts";
import { PKCS1_SHA256 } from "../x509/keys.ts";
import {
  canonicalJson,
  type EntryFields,
  GENESIS_HASH,
  type LedgerEntry,
  type LedgerHead,
  signedTextOf,
} from "./entry.ts";

/** Where the chain stands: the last seq and the SHA-256 of the last line (0 / genesis when empty). */
export interface ChainTip {
  seq: number;
  hash: string;
}

/** The tip of an empty ledger. */
export const EMPTY_TIP: ChainTip = { seq: 0, hash: GENESIS_HASH };

/** The new ledger and head bytes after appending entries, with the new tip. */
export interface LedgerAppend {
  /** The whole new `ledger.jsonl` (old bytes + new lines). */
  ledger: Uint8Array;
  /** The new `ledger.head.json`. */
  head: Uint8Array;
  entries: LedgerEntry[];
  tip: ChainTip;
}

async function sign(text: string, key: WebCryptoKey, deps: Pick<CoreDeps, "crypto">): Promise<string> {
  const signature = await deps.crypto.subtle.sign(PKCS1_SHA256, key, toArrayBuffer(utf8(text)));
  return toBase64(new Uint8Array(signature));
}

/** The SHA-256 (hex) of one ledger line without its newline: what the next entry's `prev` holds. */
export function lineHash(line: string, deps: Pick<CoreDeps, "crypto">): Promise<string> {
  return sha256Hex(deps, line);
}

/**
 * Appends `fields` (in order) to a ledger whose bytes are `current` and whose tip is `tip`,
 * signing every entry and the new head with the root key (RSASSA-PKCS1-v1_5 / SHA-256, the
 * scheme of every certificate it signs). The caller verified `current` first and holds the CA
 * folder's lock, so the chain cannot fork. Pure: the caller writes both files in one commit.
 */
export async function appendEntries(
  current: Uint8Array,
  tip: ChainTip,
  fields: readonly EntryFields[],
  rootKey: WebCryptoKey,
  deps: Pick<CoreDeps, "crypto" | "now">,
): Promise<LedgerAppend> {
  let { seq, hash } = tip;
  let text = fromUtf8(current);
  const entries: LedgerEntry[] = [];
  for (const f of fields) {
    const unsigned = { ...f, seq: seq + 1, prev: hash } as Omit<LedgerEntry, "sig">;
    const entry = { ...unsigned, sig: await sign(canonicalJson(unsigned), rootKey, deps) } as LedgerEntry;
    const line = canonicalJson(entry);
    text += `${line}\n`;
    seq += 1;
    hash = await lineHash(line, deps);
    entries.push(entry);
  }
  const head = await signHead({ seq, hash }, rootKey, deps);
  return { ledger: utf8(text), head: utf8(`${canonicalJson(head)}\n`), entries, tip: { seq, hash } };
}

/** The head record for `tip`, signed with the root key. */
export async function signHead(
  tip: ChainTip,
  rootKey: WebCryptoKey,
  deps: Pick<CoreDeps, "crypto" | "now">,
): Promise<LedgerHead> {
  const unsigned = { type: "head" as const, seq: tip.seq, hash: tip.hash, time: isoSeconds(deps.now()) };
  return { ...unsigned, sig: await sign(signedTextOf(unsigned), rootKey, deps) };
}

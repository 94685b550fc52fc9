/** Shared pieces of the x509 tests: a fixed clock, the reference participants, openssl. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, readFixture } from "../../../test/helpers/fixtures.ts";
import type { CoreDeps } from "../deps.ts";

/** The fixed "now" of the tests (the day the reference fixtures were made). */
export const NOW = new Date("2026-11-27T15:00:00Z");

/** Deps with the fixed clock and a deterministic byte source. */
export function testDeps(now: Date = NOW): CoreDeps {
  let counter = 0;
  return {
    crypto: globalThis.crypto,
    now: () => now,
    randomBytes: (n) => Uint8Array.from({ length: n }, () => (counter++ * 37 + 11) & 0xff),
  };
}

/** The hospital scenario's participants as `cert request` saw them. */
export const PARTICIPANTS = [
  { name: "server1.hospital-central.org", org: "hospital_central", certType: "server" },
  { name: "hospital-a", org: "hospital_alpha", certType: "client" },
  { name: "alice@hospital-alpha.org", org: "hospital_alpha", certType: "lead" },
  { name: "bob@hospital-alpha.org", org: "hospital_alpha", certType: "org_admin" },
  { name: "carol@hospital-beta.org", org: "hospital_beta", certType: "member" },
] as const;

/** A file of the hospital scenario's work directory. */
export function hospital(...parts: string[]): Uint8Array {
  return readFixture("hospital", "work", ...parts);
}

/** The text of a file of the hospital scenario's work directory. */
export function hospitalText(...parts: string[]): string {
  return new TextDecoder().decode(hospital(...parts));
}

/** The bytes of a hex string (test input only). */
export function hex(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

/** Whether an `openssl` binary is on PATH; tests that need it skip otherwise. */
export const HAVE_OPENSSL = spawnSync("openssl", ["version"]).status === 0;

/** Result of one openssl run. */
export interface OpensslRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `openssl` with `args` in `cwd`, optionally feeding `input` on stdin. */
export function openssl(
  args: string[],
  options: { cwd?: string; input?: string | Uint8Array } = {},
): OpensslRun {
  const run = spawnSync("openssl", args, { cwd: options.cwd, input: options.input, encoding: "buffer" });
  return { status: run.status, stdout: run.stdout.toString("utf8"), stderr: run.stderr.toString("utf8") };
}

/** Runs `body` in a fresh temp directory holding `files`, then removes it. */
export async function inTempDir<T>(
  files: Record<string, string | Uint8Array>,
  body: (dir: string) => T | Promise<T>,
): Promise<T> {
  const { dir, cleanup } = makeTempDir("flare-x509-");
  try {
    for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
    return await body(dir);
  } finally {
    cleanup();
  }
}

/** Seconds since the epoch, for `openssl verify -attime`. */
export function epochSeconds(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}

import { homedir } from "node:os";
import { type CoreDeps, platformDeps } from "../core/deps.ts";
import { invalidArgs } from "../core/errors/flare-error.ts";
import type { NodeEnv } from "../node/node-env.ts";

/**
 * The clock: the system's, or a fixed instant from `FLARE_PROVISION_NOW` (ISO 8601 UTC) so
 * tests can replay the reference fixtures after their certificates expire and reproducible
 * runs can pin timestamps. Whoever sets a process's environment controls it anyway; see
 * docs/security.md.
 */
function clockDeps(env: Record<string, string | undefined>): CoreDeps {
  const deps = platformDeps();
  const fixed = env.FLARE_PROVISION_NOW;
  if (fixed === undefined || fixed === "") return deps;
  const at = parseUtcTimestamp(fixed);
  if (!at) {
    throw invalidArgs(
      `FLARE_PROVISION_NOW must be a UTC timestamp such as 2026-11-27T15:30:00Z, not '${fixed}'`,
      "Unset FLARE_PROVISION_NOW to use the system clock.",
    );
  }
  return { ...deps, now: () => new Date(at.getTime()) };
}

/**
 * A `YYYY-MM-DDTHH:MM:SS[.fff]Z` instant that names a real calendar date and time, or
 * undefined. `Date` alone would roll `2026-02-30` over to March 2 (V8 accepts any day up to 31),
 * so every field is range-checked and the date must survive a round trip. No leap second (60).
 */
export function parseUtcTimestamp(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  if (hour! > 23 || minute! > 59 || second! > 59) return undefined;
  const millis = match[7] ? Number(match[7].slice(0, 3).padEnd(3, "0")) : 0;
  const at = new Date(Date.UTC(year!, month! - 1, day!, hour, minute, second, millis));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear keeps the year as written.
  at.setUTCFullYear(year!);
  if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month! - 1 || at.getUTCDate() !== day)
    return undefined;
  return at;
}

/** The Node environment of a CLI run: cwd, home for audit records, platform crypto and clock. */
export function nodeEnv(
  cwd: string,
  env: Record<string, string | undefined>,
  note: (line: string) => void = () => {},
  textWarning: (line: string) => void = () => {},
): NodeEnv {
  return { cwd, home: env.HOME || homedir(), deps: clockDeps(env), note, textWarning, vars: env };
}

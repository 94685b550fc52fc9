import { FlareError } from "../errors/flare-error.ts";
import type { CheckResult } from "./types.ts";

/**
 * One verification step over a shared state. The verifiers (`verifyRequestZip`,
 * `verifySignedZip`) are lists of steps: run in order, the first FlareError aborts (the
 * commands' behaviour); collected, every step runs whose prerequisites passed (`cert inspect`).
 */
export interface CheckStep<S> {
  /** Stable check id (see {@link CheckResult.id}). */
  id: string;
  /** Ids of earlier steps whose success this one needs (it reads what they stored). */
  needs?: readonly string[];
  /** The detail of a passing check: what was verified. */
  pass: string | ((state: S) => string);
  /** Runs the check; throws a FlareError on failure and may store what it derived in `state`. */
  run: (state: S) => void | Promise<void>;
}

/** Runs `steps` in order; the first failure propagates unchanged (the commands' fail-fast order). */
export async function runSteps<S>(steps: readonly CheckStep<S>[], state: S): Promise<void> {
  for (const step of steps) await step.run(state);
}

/**
 * A failed inspect-only check that has no error code of its own (a kit file missing, two kits
 * disagreeing); the message is the check's detail.
 */
export class CheckFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailure";
  }
}

/**
 * Runs every step whose prerequisites passed and returns one result per step, in order. A
 * FlareError becomes a failed check (`<CODE>: <message>`), a {@link CheckFailure} one with its
 * message; a step whose prerequisites failed is reported as skipped. `prior` are results of an
 * earlier run that prerequisites may name. Any other exception is a bug and propagates.
 */
export async function collectChecks<S>(
  steps: readonly CheckStep<S>[],
  state: S,
  prior: readonly CheckResult[] = [],
): Promise<CheckResult[]> {
  const passed = new Set<string>(prior.filter((c) => c.ok).map((c) => c.id));
  const results: CheckResult[] = [];
  for (const step of steps) {
    const blocked = (step.needs ?? []).filter((id) => !passed.has(id));
    if (blocked.length > 0) {
      results.push({
        id: step.id,
        ok: false,
        skipped: true,
        detail: `not checked: needs ${blocked.join(", ")}`,
      });
      continue;
    }
    try {
      await step.run(state);
    } catch (error) {
      if (error instanceof CheckFailure) results.push({ id: step.id, ok: false, detail: error.message });
      else if (error instanceof FlareError)
        results.push({ id: step.id, ok: false, detail: describeFailure(error) });
      else throw error;
      continue;
    }
    passed.add(step.id);
    results.push({
      id: step.id,
      ok: true,
      detail: typeof step.pass === "string" ? step.pass : step.pass(state),
    });
  }
  return results;
}

/** A failed check's detail: the error code and the full message (detail included). */
export function describeFailure(error: FlareError): string {
  return `${error.code}: ${error.message}`;
}

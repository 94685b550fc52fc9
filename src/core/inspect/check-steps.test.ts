import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FlareError, invalidArgs } from "../errors/flare-error.ts";
import { CheckFailure, type CheckStep, collectChecks, runSteps } from "./check-steps.ts";

interface State {
  trail: string[];
}

const step = (id: string, fail?: Error, needs?: string[]): CheckStep<State> => ({
  id,
  ...(needs ? { needs } : {}),
  pass: `${id} passed`,
  run: (s) => {
    s.trail.push(id);
    if (fail) throw fail;
  },
});

describe("runSteps", () => {
  test("runs the steps in order and stops at the first failure with its FlareError", async () => {
    const state: State = { trail: [] };
    const failure = invalidArgs("b is wrong");
    await assert.rejects(runSteps([step("a"), step("b", failure), step("c")], state), (e) => e === failure);
    assert.deepEqual(state.trail, ["a", "b"]);
  });
});

describe("collectChecks", () => {
  test("keeps going past a failure, reports its code and message, and skips only what needs it", async () => {
    const state: State = { trail: [] };
    const checks = await collectChecks(
      [
        step("a"),
        step("b", invalidArgs("b is wrong")),
        step("c", undefined, ["b"]),
        step("d", undefined, ["a"]),
      ],
      state,
    );
    assert.deepEqual(state.trail, ["a", "b", "d"]);
    assert.deepEqual(checks, [
      { id: "a", ok: true, detail: "a passed" },
      { id: "b", ok: false, detail: "INVALID_ARGS: Invalid arguments. \u2014 b is wrong" },
      { id: "c", ok: false, skipped: true, detail: "not checked: needs b" },
      { id: "d", ok: true, detail: "d passed" },
    ]);
  });

  test("a CheckFailure is a failed check whose detail is its message, without a code", async () => {
    const checks = await collectChecks([step("x", new CheckFailure("two kits differ"))], { trail: [] });
    assert.deepEqual(checks, [{ id: "x", ok: false, detail: "two kits differ" }]);
  });

  test("a step that is skipped also blocks the steps that need it", async () => {
    const checks = await collectChecks(
      [
        step("a", new FlareError("KEY_CERT_MISMATCH")),
        step("b", undefined, ["a"]),
        step("c", undefined, ["b"]),
      ],
      { trail: [] },
    );
    assert.deepEqual(
      checks.map((c) => [c.id, c.ok, c.skipped ?? false]),
      [
        ["a", false, false],
        ["b", false, true],
        ["c", false, true],
      ],
    );
  });

  test("prerequisites may name passed checks of an earlier run", async () => {
    const checks = await collectChecks([step("later", undefined, ["earlier"])], { trail: [] }, [
      { id: "earlier", ok: true, detail: "" },
    ]);
    assert.equal(checks[0]?.ok, true);
  });

  test("an exception that is not a FlareError is a bug and propagates", async () => {
    await assert.rejects(collectChecks([step("a", new TypeError("boom"))], { trail: [] }), TypeError);
  });
});

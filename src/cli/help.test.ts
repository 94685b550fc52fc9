import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { programName } from "./help.ts";

describe("programName", () => {
  test("names the bin the CLI was invoked as", () => {
    assert.equal(programName("/usr/local/bin/nvflare"), "nvflare");
    assert.equal(programName("/home/pa/.npm-global/bin/flare-provision"), "flare-provision");
    assert.equal(programName("nvflare"), "nvflare");
    assert.equal(programName("C:\\npm\\node_modules\\.bin\\nvflare"), "nvflare");
  });

  test("falls back to flare-provision when started another way", () => {
    assert.equal(programName("/opt/flare/dist/cli.js"), "flare-provision");
    assert.equal(programName("/usr/bin/nvflare-old"), "flare-provision");
    assert.equal(programName(""), "flare-provision");
    assert.equal(programName(undefined), "flare-provision");
  });
});

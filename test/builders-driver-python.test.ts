import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { makeTempDir, REPO_ROOT } from "./helpers/fixtures.ts";

// The builders driver (python/flare_provision_builders.py) is unit-tested in Python
// (test/python/site_builders/test_driver.py): against the NVFlare stand-in of
// test/python/nvflare_stub always, and against the real NVFlare too when
// FLARE_PROVISION_TEST_NVFLARE_PYTHON names a Python that imports it
// (FLARE_PROVISION_TEST_NVFLARE_PYTHONPATH is put on its path).

function runDriverTests(python: string, nvflarePath: string) {
  const { dir, cleanup } = makeTempDir("flare-driver-py-");
  try {
    const suite = join(REPO_ROOT, "test", "python", "site_builders");
    const run = spawnSync(
      python,
      ["-B", "-m", "unittest", "discover", "-s", suite, "-p", "test_*.py", "-v"],
      {
        cwd: dir,
        encoding: "utf8",
        timeout: 120_000,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: dir,
          TMPDIR: dir,
          LANG: "C.UTF-8",
          PYTHONDONTWRITEBYTECODE: "1",
          PYTHONPATH: [join(REPO_ROOT, "python"), nvflarePath, suite].filter(Boolean).join(":"),
        },
      },
    );
    assert.equal(run.status, 0, `python -m unittest failed:\n${run.stdout}\n${run.stderr}`);
    const ran = /Ran (\d+) tests?/.exec(run.stderr);
    assert.ok(ran && Number(ran[1]) >= 8, `expected the driver's tests to run:\n${run.stderr}`);
    assert.match(run.stderr, /\nOK\n/);
  } finally {
    cleanup();
  }
}

test("the builders driver's Python unit tests pass against the NVFlare stand-in", () => {
  runDriverTests("python3", join(REPO_ROOT, "test", "python", "nvflare_stub"));
});

const real = process.env.FLARE_PROVISION_TEST_NVFLARE_PYTHON;
test("the builders driver's Python unit tests pass against the real NVFlare", {
  skip: real ? false : "FLARE_PROVISION_TEST_NVFLARE_PYTHON is not set",
}, () => {
  runDriverTests(real as string, process.env.FLARE_PROVISION_TEST_NVFLARE_PYTHONPATH ?? "");
});

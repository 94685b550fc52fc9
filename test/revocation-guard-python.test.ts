import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { makeTempDir, REPO_ROOT } from "./helpers/fixtures.ts";

// The server-side guard (python/flare_provision_revocation.py) is tested in Python, against the
// NVFlare stand-in in test/python/nvflare_stub. The first interpreter here that has the
// `cryptography` package runs them (the pyenv python3 and Debian's /usr/bin/python3 both do on
// our machines; .ci/run installs python3-cryptography where neither has it).
const CANDIDATES = ["python3", "/usr/bin/python3"];

function interpreterWithCryptography(): { python?: string; why: string } {
  const reasons: string[] = [];
  for (const python of CANDIDATES) {
    const probe = spawnSync(python, ["-c", "import cryptography, sys; print(cryptography.__version__)"], {
      encoding: "utf8",
    });
    if (probe.error) reasons.push(`${python}: not found`);
    else if (probe.status !== 0) reasons.push(`${python}: no cryptography package`);
    else return { python, why: "" };
  }
  return { why: reasons.join("; ") };
}

const found = interpreterWithCryptography();

test("the revocation guard's Python unit tests pass", {
  skip: found.python ? false : `no python3 with cryptography (${found.why})`,
}, () => {
  const { dir, cleanup } = makeTempDir("flare-guard-py-");
  try {
    const run = spawnSync(
      found.python as string,
      ["-B", "-m", "unittest", "discover", "-s", join(REPO_ROOT, "test", "python"), "-p", "test_*.py", "-v"],
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
          PYTHONPATH: [join(REPO_ROOT, "python"), join(REPO_ROOT, "test", "python", "nvflare_stub")].join(
            ":",
          ),
        },
      },
    );
    assert.equal(run.status, 0, `python -m unittest failed:\n${run.stdout}\n${run.stderr}`);
    // unittest reports on stderr: "Ran N tests" then "OK".
    const ran = /Ran (\d+) tests?/.exec(run.stderr);
    assert.ok(ran && Number(ran[1]) >= 20, `expected the guard's tests to run:\n${run.stderr}`);
    assert.match(run.stderr, /\nOK\n/);
  } finally {
    cleanup();
  }
});

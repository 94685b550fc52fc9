"""Unit tests of python/flare_provision_builders.py against the NVFlare stand-in.

NVFlare is replaced by test/python/nvflare_stub (a stand-in, not NVFlare); the builders are the
made-up site's of flare_test_builders.py beside this file. Run by
test/builders-driver-python.test.ts (npm test); the driver is also run against the real NVFlare
by test/interop/external-builders.test.ts when FLARE_PROVISION_TEST_NVFLARE_PYTHON names one.
"""

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

import flare_provision_builders as driver
from nvflare.lighter.constants import CtxKey

DRIVER = driver.__file__


def client_spec(staging, builders, template_files=None):
    return {
        "staging": staging,
        "project": {
            "name": "hospital_federation",
            "props": {"connection_security": "tls"},
            "server": {
                "name": "server1.example.org",
                "org": "myorg",
                "props": {"fed_learn_port": 8002, "admin_port": 8003},
            },
            "clients": [{"name": "site-b", "org": "hospital_beta", "props": {"name": "site-b"}}],
            "admins": [],
        },
        "template_files": template_files or [],
        "builders": builders,
    }


class DriverTest(unittest.TestCase):
    def setUp(self):
        self.staging = tempfile.mkdtemp(prefix="flare-driver-")
        for name in ("site-b", "server1.example.org"):
            for sub in ("startup", "local", "transfer"):
                os.makedirs(os.path.join(self.staging, "wip", name, sub))

    def tearDown(self):
        shutil.rmtree(self.staging, ignore_errors=True)

    def test_runs_the_builders_in_nvflares_three_phases(self):
        result = driver.run(
            client_spec(
                self.staging,
                [
                    {"path": "flare_test_builders.Recorder", "args": {"label": "a"}},
                    {"path": "flare_test_builders.Recorder", "args": {"label": "b"}},
                ],
            )
        )
        self.assertEqual(result, {"status": "ok", "warnings": []})
        with open(os.path.join(self.staging, "state", "phases.txt")) as f:
            phases = f.read().split("\n")[:-1]
        self.assertEqual(
            phases,
            ["a initialize", "b initialize", "a build", "b build", "b finalize", "a finalize"],
        )

    def test_builders_write_into_the_staged_kits_and_beside_them(self):
        result = driver.run(
            client_spec(
                self.staging,
                [
                    {"path": "nvflare.lighter.impl.aws.AWSBuilder"},
                    {"path": "flare_test_builders.AddScript", "args": {"name": "check.sh"}},
                ],
            )
        )
        self.assertEqual(result["status"], "ok")
        wip = os.path.join(self.staging, "wip")
        for path in ("site-b/startup/aws_start.sh", "site-b/startup/check.sh", "server1.example.org/startup/aws_start.sh"):
            self.assertTrue(os.path.isfile(os.path.join(wip, path)), path)
            self.assertEqual(os.stat(os.path.join(wip, path)).st_mode & 0o777, 0o755, path)
        self.assertTrue(os.path.isfile(os.path.join(wip, "site_notes.txt")))

    def test_the_project_is_the_package_flows(self):
        seen = {}

        class Probe:
            def initialize(self, project, ctx):
                seen["server"] = (project.get_server().name, project.get_server().org, project.get_server().props)
                seen["clients"] = [(c.name, c.org) for c in project.get_clients()]
                seen["admins"] = project.get_admins()
                seen["wip"] = ctx.get_wip_dir()
                seen["templates"] = list(ctx[CtxKey.TEMP_FILES_LOADED])

            def build(self, project, ctx):
                pass

            def finalize(self, project, ctx):
                pass

        sys.modules["flare_driver_probe"] = type(sys)("flare_driver_probe")
        sys.modules["flare_driver_probe"].Probe = Probe
        try:
            result = driver.run(
                client_spec(self.staging, [{"path": "flare_driver_probe.Probe"}], ["master_template.yml", "aws_template.yml"])
            )
        finally:
            del sys.modules["flare_driver_probe"]
        self.assertEqual(result["status"], "ok")
        self.assertEqual(
            seen["server"], ("server1.example.org", "myorg", {"fed_learn_port": 8002, "admin_port": 8003})
        )
        self.assertEqual(seen["clients"], [("site-b", "hospital_beta")])
        self.assertEqual(seen["admins"], [])
        self.assertEqual(seen["wip"], os.path.join(self.staging, "wip"))
        self.assertEqual(seen["templates"], ["master_template.yml", "aws_template.yml"])

    def test_a_class_that_cannot_be_loaded_is_reported_with_nvflares_message(self):
        result = driver.run(client_spec(self.staging, [{"path": "com.example.CustomAuditBuilder"}]))
        self.assertEqual(
            result,
            {"status": "load_failed", "message": "Can't load class com.example.CustomAuditBuilder: No module named 'com'"},
        )

    def test_bad_args_are_reported_as_a_load_failure(self):
        result = driver.run(client_spec(self.staging, [{"path": "flare_test_builders.Raises", "args": {"nope": 1}}]))
        self.assertEqual(result["status"], "load_failed")
        self.assertIn("Class flare_test_builders.Raises has parameters error", result["message"])

    def test_a_builder_that_raises_is_reported_with_its_class_and_message(self):
        result = driver.run(
            client_spec(
                self.staging,
                [
                    {"path": "flare_test_builders.Recorder", "args": {"label": "a"}},
                    {"path": "flare_test_builders.Raises", "args": {"message": "quota exceeded"}},
                ],
            )
        )
        self.assertEqual(result["status"], "build_failed")
        self.assertEqual(result["builder"], "flare_test_builders.Raises")
        self.assertEqual(result["message"], "RuntimeError: quota exceeded")
        self.assertIn("Traceback (most recent call last)", result["traceback"])

    def test_main_reads_the_spec_from_stdin_and_prints_one_json_line(self):
        spec = client_spec(self.staging, [{"path": "flare_test_builders.AddScript"}])
        run = subprocess.run(
            [sys.executable, "-B", DRIVER, "-"],
            input=json.dumps(spec),
            capture_output=True,
            text=True,
            env=os.environ,
            check=False,
        )
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(json.loads(run.stdout.strip().split("\n")[-1]), {"status": "ok", "warnings": []})

    def test_probe_says_whether_nvflare_imports(self):
        out = io.StringIO()
        with redirect_stdout(out):
            self.assertEqual(driver.main(["driver", "--probe"]), 0)
        self.assertEqual(json.loads(out.getvalue())["status"], "ok")
        env = dict(os.environ, PYTHONPATH=os.path.dirname(DRIVER))
        run = subprocess.run([sys.executable, "-B", DRIVER, "--probe"], capture_output=True, text=True, env=env, check=False)
        self.assertEqual(run.returncode, 3)
        self.assertEqual(json.loads(run.stdout)["status"], "nvflare_missing")


if __name__ == "__main__":
    unittest.main()

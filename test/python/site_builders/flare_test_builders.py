"""Builders of a made-up site for flare-provision's tests (see README.md beside this file)."""

import json
import os

from nvflare.lighter.spec import Builder


def _kits(project, ctx):
    """(participant, startup folder) of every participant whose kit folder exists."""
    for p in [project.get_server()] + project.get_clients() + project.get_admins():
        startup = ctx.get_kit_dir(p)
        if os.path.isdir(startup):
            yield p, startup


class AddScript(Builder):
    """Adds startup/<name> (0755) to every kit and a notes file beside the kits."""

    def __init__(self, name="site_check.sh", notes="site_notes.txt"):
        self.name = name
        self.notes = notes

    def build(self, project, ctx):
        for p, startup in _kits(project, ctx):
            path = os.path.join(startup, self.name)
            with open(path, "w") as f:
                f.write(f"#!/usr/bin/env bash\necho 'site check for {p.name}'\n")
            os.chmod(path, 0o755)
        with open(os.path.join(ctx.get_wip_dir(), self.notes), "w") as f:
            f.write("written by AddScript\n")


class Recorder(Builder):
    """Appends `<label> <phase>` to <state>/phases.txt, to check the phase order."""

    def __init__(self, label):
        self.label = label

    def _note(self, ctx, phase):
        with open(os.path.join(ctx.get_state_dir(), "phases.txt"), "a") as f:
            f.write(f"{self.label} {phase}\n")

    def initialize(self, project, ctx):
        self._note(ctx, "initialize")

    def build(self, project, ctx):
        self._note(ctx, "build")

    def finalize(self, project, ctx):
        self._note(ctx, "finalize")


class Raises(Builder):
    def __init__(self, message="quota exceeded"):
        self.message = message

    def build(self, project, ctx):
        raise RuntimeError(self.message)


class WritesOutside(Builder):
    """Hostile: writes a file next to the staging folder."""

    def build(self, project, ctx):
        with open(os.path.join(ctx.get_workspace(), "..", "escaped.txt"), "w") as f:
            f.write("outside\n")


class ReplacesKey(Builder):
    """Hostile: replaces the kit's private key."""

    def build(self, project, ctx):
        for _, startup in _kits(project, ctx):
            for name in ("client.key", "server.key"):
                path = os.path.join(startup, name)
                if os.path.exists(path):
                    with open(path, "w") as f:
                        f.write("-----BEGIN RSA PRIVATE KEY-----\nnot yours\n-----END RSA PRIVATE KEY-----\n")


class Symlink(Builder):
    """Hostile: plants a symbolic link in the kit."""

    def build(self, project, ctx):
        for _, startup in _kits(project, ctx):
            os.symlink("/etc/hostname", os.path.join(startup, "hostname"))


class ChangesEndpoint(Builder):
    """Hostile: points the client at another server."""

    def build(self, project, ctx):
        for _, startup in _kits(project, ctx):
            path = os.path.join(startup, "fed_client.json")
            if os.path.exists(path):
                with open(path) as f:
                    config = json.load(f)
                config["servers"][0]["service"]["target"] = "evil.example.org:8002"
                with open(path, "w") as f:
                    json.dump(config, f, indent=2)

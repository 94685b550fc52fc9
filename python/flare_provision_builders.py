"""Runs the participant's NVFlare builders for `flare-provision package`.

flare-provision renders the stock builders itself; a `builders:` entry it does not implement
(AWSBuilder, AzureBuilder, a site's own class) is run here, with the requester's own NVFlare,
over the kit that flare-provision has already written into a private staging folder. The
staging folder is laid out as NVFlare's provisioning workspace: `<staging>/wip/<name>/` is the
kit (startup/, local/, transfer/), `<staging>/wip/<server>/` the placeholder server of client
and admin kits, `<staging>/state/` the state folder.

    python3 flare_provision_builders.py --probe
    python3 flare_provision_builders.py SPEC.json     (or - to read SPEC from stdin)

`--probe` prints {"nvflare": <version>} when NVFlare's provisioning API can be imported.
SPEC.json holds the staging folder, the one-participant project (as `nvflare package` builds
it) and the builders to run, in the order listed. The builders are constructed from their
`path` and `args` as NVFlare does, then run through NVFlare's three phases (every initialize,
every build, every finalize in reverse order). One JSON line on stdout says what happened:

    {"status": "ok", "warnings": [...]}
    {"status": "load_failed", "message": "..."}     a class could not be loaded or constructed
    {"status": "build_failed", "builder": "...", "message": "...", "traceback": "..."}
    {"status": "nvflare_missing", "message": "..."}

flare-provision then checks what the builders wrote before anything leaves the staging folder.
"""

import json
import sys
import traceback


def _emit(result):
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


def _import_nvflare():
    from nvflare.lighter.constants import CtxKey, ProvisionMode
    from nvflare.lighter.ctx import ProvisionContext
    from nvflare.lighter.entity import Project
    from nvflare.lighter.prov_utils import instantiate_from_config

    return CtxKey, ProvisionMode, ProvisionContext, Project, instantiate_from_config


def _version():
    try:
        import nvflare

        return str(getattr(nvflare, "__version__", "unknown"))
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return "unknown"


class _Log:
    """Collects what builders report through the context, for flare-provision to print."""

    def __init__(self):
        self.warnings = []

    def info(self, msg):
        sys.stderr.write(f"INFO: {msg}\n")

    def debug(self, msg):
        pass

    def warning(self, msg):
        self.warnings.append(str(msg))

    def error(self, msg):
        self.warnings.append(f"ERROR: {msg}")


def _project(spec, Project):
    """The project `nvflare package` builds for one participant (server, client or admin kit)."""
    p = spec["project"]
    project = Project(name=p["name"], description="", props=dict(p.get("props") or {}))
    server = p["server"]
    project.set_server(server["name"], server["org"], dict(server["props"]))
    for client in p.get("clients", []):
        project.add_client(client["name"], client["org"], dict(client["props"]))
    for admin in p.get("admins", []):
        project.add_admin(admin["name"], admin["org"], dict(admin["props"]))
    return project


def run(spec):
    try:
        CtxKey, ProvisionMode, ProvisionContext, Project, instantiate_from_config = _import_nvflare()
    except Exception as ex:  # noqa: BLE001
        return {"status": "nvflare_missing", "message": f"{type(ex).__name__}: {ex}"}

    try:
        project = _project(spec, Project)
    except Exception as ex:  # noqa: BLE001
        return {"status": "load_failed", "message": str(ex)}

    builders = []
    for config in spec["builders"]:
        try:
            builders.append(instantiate_from_config({"path": config["path"], "args": config.get("args")}))
        except Exception as ex:  # noqa: BLE001
            return {"status": "load_failed", "message": str(ex)}

    log = _Log()
    current = None
    try:
        ctx = ProvisionContext(spec["staging"], project)
        ctx.set_provision_mode(ProvisionMode.NORMAL)
        ctx.set_logger(log)
        # What WorkspaceBuilder's template_file arg asks for, as the package flow loads it.
        ctx.load_templates(spec.get("template_files") or None)
        for current in builders:
            current.initialize(project, ctx)
        for current in builders:
            current.build(project, ctx)
        for current in reversed(builders):
            current.finalize(project, ctx)
        current = None
        if ctx.get(CtxKey.BUILD_ERROR):
            return {"status": "build_failed", "builder": "", "message": "a builder reported a build error"}
    except Exception as ex:  # noqa: BLE001 - a builder's failure is reported, not raised
        name = f"{type(current).__module__}.{type(current).__qualname__}" if current is not None else ""
        return {
            "status": "build_failed",
            "builder": name,
            "message": f"{type(ex).__name__}: {ex}",
            "traceback": traceback.format_exc(),
        }
    return {"status": "ok", "warnings": log.warnings}


def main(argv):
    if len(argv) == 2 and argv[1] == "--probe":
        try:
            _import_nvflare()
        except Exception as ex:  # noqa: BLE001
            _emit({"status": "nvflare_missing", "message": f"{type(ex).__name__}: {ex}"})
            return 3
        _emit({"status": "ok", "nvflare": _version()})
        return 0
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    if argv[1] == "-":
        spec = json.load(sys.stdin)
    else:
        with open(argv[1], encoding="utf-8") as f:
            spec = json.load(f)
    result = run(spec)
    _emit(result)
    return 0 if result["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

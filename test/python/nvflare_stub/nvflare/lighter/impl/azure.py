"""Stand-in for tests; not NVFlare: writes a placeholder startup/azure_start.sh (0755) into
every participant's kit, where NVFlare's own AzureBuilder writes its cloud launch script."""

import os

from nvflare.lighter.spec import Builder

PLACEHOLDER = "#!/usr/bin/env bash\n# Test stand-in for NVFlare's AzureBuilder; it launches nothing.\nexit 1\n"


class AzureBuilder(Builder):
    def build(self, project, ctx):
        for p in [project.get_server()] + project.get_clients():
            path = os.path.join(ctx.get_kit_dir(p), "azure_start.sh")
            with open(path, "w") as f:
                f.write(PLACEHOLDER)
            os.chmod(path, 0o755)

"""Stand-in for tests; not NVFlare: writes a placeholder startup/aws_start.sh (0755) into
every participant's kit, where NVFlare's own AWSBuilder writes its cloud launch script."""

import os

from nvflare.lighter.spec import Builder

PLACEHOLDER = "#!/usr/bin/env bash\n# Test stand-in for NVFlare's AWSBuilder; it launches nothing.\nexit 1\n"


class AWSBuilder(Builder):
    def build(self, project, ctx):
        for p in [project.get_server()] + project.get_clients():
            path = os.path.join(ctx.get_kit_dir(p), "aws_start.sh")
            with open(path, "w") as f:
                f.write(PLACEHOLDER)
            os.chmod(path, 0o755)

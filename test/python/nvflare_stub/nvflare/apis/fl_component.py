"""Stand-in for tests; not NVFlare: a component with a logger, as the guard uses one."""

import logging


class FLComponent:
    def __init__(self):
        self.name = type(self).__name__
        self.logger = logging.getLogger(f"{type(self).__module__}.{type(self).__name__}")

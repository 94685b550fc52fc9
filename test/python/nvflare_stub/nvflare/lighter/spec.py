"""Stand-in for tests; not NVFlare: the three-phase builder interface."""


class Builder:
    def initialize(self, project, ctx):
        pass

    def build(self, project, ctx):
        pass

    def finalize(self, project, ctx):
        pass

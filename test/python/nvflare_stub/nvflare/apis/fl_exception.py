"""Stand-in for tests; not NVFlare: the two exceptions whose handling the guard relies on."""


class NotAuthenticated(Exception):
    pass


class UnsafeComponentError(Exception):
    pass

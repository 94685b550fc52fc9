"""Stand-in for tests; not NVFlare: the context keys the guard reads."""


class FLContextKey:
    WORKSPACE_OBJECT = "__workspace_object__"
    SECURE_MODE = "__secure_mode__"
    SITE_OBJ = "_site_obj_"

"""Stand-in for tests; not NVFlare: the registration header keys the guard reads."""


class CellMessageHeaderKeys:
    CLIENT_NAME = "client_name"
    CLIENT_TYPE = "client_type"
    TOKEN = "__token__"

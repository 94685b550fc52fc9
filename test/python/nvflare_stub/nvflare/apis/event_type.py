"""Stand-in for tests; not NVFlare: the event names the guard handles."""


class EventType:
    SYSTEM_END = "_system_end"
    CLIENT_REGISTER_RECEIVED = "_client_register_received"
    SYSTEM_BOOTSTRAP = "_system_bootstrap"

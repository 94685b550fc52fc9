"""Stand-in for tests; not NVFlare: the cell channel, topic and header names the guard uses."""


class MessageHeaderKey:
    TOPIC = "cn__topic"
    CHANNEL = "cn__channel"
    RETURN_CODE = "cn__return_code"
    ERROR = "cn__error"


class ReturnCode:
    OK = "ok"
    UNAUTHENTICATED = "unauthenticated"


class CellChannel:
    SERVER_MAIN = "task"


class CellChannelTopic:
    Challenge = "challenge"
    Register = "register"
    HEART_BEAT = "heart_beat"


class IdentityChallengeKey:
    CERT = "cert"

"""Stand-in for tests; not NVFlare (see test/python/nvflare_stub/README.md)."""

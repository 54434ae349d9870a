"""Where the versioned API lives. Domain routers carry the full prefix so each
route's template (used as the metrics label) is the path a client sees."""

API_PREFIX = "/api/v1"

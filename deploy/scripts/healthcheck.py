"""Container health probe: exit 0 when GET /health on this container answers 200.

Used by the Dockerfile HEALTHCHECK and the compose health checks. Standard library
only, so the runtime image needs neither curl nor wget. Port from $PORT (the same
variable `sight serve` listens on in containers), path overridable for tests.
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    port = os.environ.get("PORT", "8080")
    path = sys.argv[1] if len(sys.argv) > 1 else "/health"
    url = f"http://127.0.0.1:{port}{path}"
    try:
        # The URL is always loopback http built above, never user input.
        with urllib.request.urlopen(url, timeout=4) as response:  # nosec B310
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"unhealthy: {url} answered HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

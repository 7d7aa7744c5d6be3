"""The network stage: check each unique URL once.

``check_urls`` is the public surface: requests in, one ``CheckResult`` per URL out;
``check_stream`` is the same for requests that arrive in batches.
"""

from linkcheck.check.engine import check_stream, check_urls

__all__ = ["check_stream", "check_urls"]

"""The network stage: check each unique URL once.

``check_urls`` is the whole public surface: requests in, one ``CheckResult`` per URL out.
"""

from linkcheck.check.engine import check_urls

__all__ = ["check_urls"]

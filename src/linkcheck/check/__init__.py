"""The network stage: check each unique URL once.

``check_urls`` is the public surface: requests in, one ``CheckResult`` per URL out;
``check_stream`` is the same for requests that arrive in batches. They are loaded on first
use, so that the pure modules of this package (:mod:`linkcheck.check.soft404`) can be used
without loading the HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linkcheck.check.engine import check_stream, check_urls

__all__ = ["check_stream", "check_urls"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from linkcheck.check import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Placeholder: replaced by the source identity rules."""

from linkcheck.models import Source, SourceKind


def identify(url: str) -> Source:
    return Source(SourceKind.WEB, url)

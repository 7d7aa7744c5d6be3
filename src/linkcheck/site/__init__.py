"""The site: every post under the content roots, its URLs and anchors, and the static files.

``layout`` finds how the site is built (the generator and its presets), ``urls`` gives each
post's URLs, ``index`` holds every post and says what a link on the site leads to.
"""

from linkcheck.site.index import (
    FILE,
    UNKNOWN,
    Page,
    Site,
    Target,
    TargetKind,
    build_site,
    has_anchor,
    post_anchors,
    posts_site,
    site_files,
)
from linkcheck.site.layout import PRESETS, AnchorStyle, Generator, Layout, Mount, detect_layout
from linkcheck.site.urls import post_urls, url_key

__all__ = [
    "FILE",
    "PRESETS",
    "UNKNOWN",
    "AnchorStyle",
    "Generator",
    "Layout",
    "Mount",
    "Page",
    "Site",
    "Target",
    "TargetKind",
    "build_site",
    "detect_layout",
    "has_anchor",
    "post_anchors",
    "post_urls",
    "posts_site",
    "site_files",
    "url_key",
]

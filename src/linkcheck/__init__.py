"""linkcheck: a citation and link-health checker for Markdown blog posts."""

import sys

# httpx imports its own command-line client (and with it click, rich and pygments) whenever
# those are installed, which they are here. linkcheck never runs it: leaving it out saves
# about 0.1 s and 6 MB at every start. ``httpx.main`` then only prints that it is missing.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

__version__ = "0.1.0"

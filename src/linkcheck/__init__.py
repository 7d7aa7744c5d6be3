"""linkcheck: a citation and link-health checker for Markdown blog posts."""

__version__ = "0.1.0"

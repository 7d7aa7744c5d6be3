"""Report formats: each turns a ``Report`` into text (one module per format).

The registry of formats by name is ``linkcheck.report.formats``; importing a format's
module (``linkcheck.report.json`` for ``linkcheck extract``) loads no other.
"""

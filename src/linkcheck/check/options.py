"""What the network stage needs to know: a small, frozen subset of the run's settings.

``app`` builds one ``CheckOptions`` per run (``CheckOptions.from_settings``); the engine, the
fetcher, the scheduler and the transports read nothing else. Per-host overrides are resolved
by ``config``'s host rules, the one home of how ``[hosts."…"]`` tables combine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from linkcheck import config
from linkcheck.config import HostSettings, Settings


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """The settings of one run that checking URLs depends on (see ``Settings`` for each)."""

    concurrency: int = config.DEFAULT_CONCURRENCY
    """Requests in flight at once, over all hosts."""
    per_host_concurrency: int = config.DEFAULT_PER_HOST_CONCURRENCY
    """Requests in flight at once to one host (unless the host's own entry says otherwise)."""
    host_interval: float = config.DEFAULT_HOST_INTERVAL
    """Minimum seconds between two requests to one host."""
    timeout: float = config.DEFAULT_TIMEOUT
    """Connect and read timeout of one request, in seconds."""
    deadline: float = config.DEFAULT_DEADLINE
    """Total seconds one URL may take, retries and redirects included."""
    retries: int = config.DEFAULT_RETRIES
    """Further attempts after a retryable failure."""
    retry_after_max: float = config.DEFAULT_RETRY_AFTER_MAX
    """The longest wait honoured (Retry-After or backoff)."""
    backoff_base: float = config.DEFAULT_BACKOFF_BASE
    """Seconds before the first retry without Retry-After; doubled on each further one."""
    max_redirects: int = config.DEFAULT_MAX_REDIRECTS
    max_html_bytes: int = config.DEFAULT_MAX_HTML_BYTES
    max_pdf_bytes: int = config.DEFAULT_MAX_PDF_BYTES
    user_agent: str = config.DEFAULT_USER_AGENT
    insecure: bool = False
    """Do not verify TLS certificates."""
    transport: str = config.DEFAULT_TRANSPORT
    headers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Extra request headers by origin (``"host"``: https on port 443; ``"*"``: every host)."""
    accept: tuple[int, ...] = ()
    """Extra status codes counted as ok, for every host."""
    hosts: Mapping[str, HostSettings] = field(default_factory=dict)
    """Per-host overrides by host name."""
    allow_private: bool = False
    """Fetch links to loopback, private, link-local and unique-local addresses."""
    soft_404: bool = True
    """Judge success pages that say they are missing (and parked domains) as dead."""

    @classmethod
    def from_settings(cls, settings: Settings) -> CheckOptions:
        """The options of a run with ``settings``."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})

    def headers_for(
        self, host: str, scheme: str = "https", port: int | None = None
    ) -> dict[str, str]:
        """Extra headers for requests to ``scheme://host:port``."""
        return config.host_headers(self, host, scheme, port)

    def accept_for(self, host: str) -> frozenset[int]:
        """Statuses counted as ok for ``host``."""
        return config.host_accept(self, host)

    def concurrency_for(self, host: str) -> int:
        """Requests in flight at once to ``host``."""
        return config.host_concurrency(self, host)

    def interval_for(self, host: str) -> float:
        """Minimum seconds between two requests to ``host``."""
        return config.host_interval(self, host)

    @property
    def max_host_concurrency(self) -> int:
        """The largest per-host concurrency of any host (connection pools are sized by it)."""
        return config.max_host_concurrency(self)

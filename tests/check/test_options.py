"""The network stage's options: taken from the settings, per-host rules as configured."""

from __future__ import annotations

from dataclasses import fields

from linkcheck.check.options import CheckOptions
from linkcheck.config import HostSettings, Settings


def test_every_option_is_a_setting_of_the_same_name_and_default() -> None:
    defaults = Settings()
    for field in fields(CheckOptions):
        assert hasattr(defaults, field.name), field.name
    assert CheckOptions.from_settings(defaults) == CheckOptions()


def test_options_are_taken_from_the_settings() -> None:
    settings = Settings(
        concurrency=3,
        per_host_concurrency=2,
        timeout=4.0,
        retries=5,
        user_agent="ua",
        accept=(418,),
        headers={"*": {"X-All": "1"}, "a.test": {"X-A": "2"}},
        hosts={"a.test": HostSettings(accept=(403,), concurrency=1, interval=2.0)},
    )
    options = CheckOptions.from_settings(settings)
    assert (options.concurrency, options.timeout, options.retries) == (3, 4.0, 5)
    assert options.accept_for("a.test") == frozenset({418, 403})
    assert options.accept_for("b.test") == frozenset({418})
    assert options.headers_for("a.test") == {"X-All": "1", "X-A": "2"}
    assert (options.concurrency_for("a.test"), options.concurrency_for("b.test")) == (1, 2)
    assert (options.interval_for("a.test"), options.interval_for("b.test")) == (2.0, 0.0)
    assert options.max_host_concurrency == 2

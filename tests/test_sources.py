"""Source identity: kinds, keys, normalisation and malformed URLs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkcheck.models import Source, SourceKind
from linkcheck.sources import (
    SOURCE_RULES,
    TRACKING_PARAMETERS,
    arxiv_id,
    doi,
    host_of,
    identify,
    is_checkable,
    malformed_reason,
    normalize_url,
    strip_fragment,
)

# ---------------------------------------------------------------------------
# identify
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind", "key"),
    [
        # arXiv: every page of one paper is one source.
        ("https://arxiv.org/abs/2408.15664", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("https://arxiv.org/abs/2408.15664v2", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("https://arxiv.org/pdf/2408.15664", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("https://arxiv.org/pdf/2408.15664v3.pdf", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("http://arxiv.org/pdf/2408.15664.pdf", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("https://www.arxiv.org/abs/2408.15664", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("https://arxiv.org/html/2408.15664v1", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("https://arxiv.org/html/2408.15664v1/#S2", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("https://arxiv.org/format/2408.15664", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("https://export.arxiv.org/abs/2408.15664", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("https://arxiv.org/abs/2408.15664?context=cs", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("https://ARXIV.ORG/abs/1706.03762", SourceKind.ARXIV, "arxiv:1706.03762"),
        ("https://arxiv.org/abs/0704.0001", SourceKind.ARXIV, "arxiv:0704.0001"),
        ("https://arxiv.org/abs/hep-th/9901001", SourceKind.ARXIV, "arxiv:hep-th/9901001"),
        ("https://arxiv.org/abs/hep-th/9901001v2", SourceKind.ARXIV, "arxiv:hep-th/9901001"),
        ("https://arxiv.org/pdf/hep-th/9901001v1.pdf", SourceKind.ARXIV, "arxiv:hep-th/9901001"),
        ("https://arxiv.org/abs/math.GT/0309136", SourceKind.ARXIV, "arxiv:math.GT/0309136"),
        ("arXiv:2408.15664", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("arxiv:2408.15664v4", SourceKind.ARXIV, "arxiv:2408.15664"),
        ("ARXIV:hep-th/9901001", SourceKind.ARXIV, "arxiv:hep-th/9901001"),
        ("  https://arxiv.org/abs/2408.15664  ", SourceKind.ARXIV, "arxiv:2408.15664"),
        # DOI: every resolver form is one source.
        ("https://doi.org/10.1145/3442188.3445922", SourceKind.DOI, "doi:10.1145/3442188.3445922"),
        (
            "http://dx.doi.org/10.1145/3442188.3445922",
            SourceKind.DOI,
            "doi:10.1145/3442188.3445922",
        ),
        ("https://www.doi.org/10.1145/ABC.def", SourceKind.DOI, "doi:10.1145/abc.def"),
        ("https://doi.org/10.1000/a%2Fb%20c", SourceKind.DOI, "doi:10.1000/a/b c"),
        ("https://doi.org/10.1000/xyz#section", SourceKind.DOI, "doi:10.1000/xyz"),
        ("doi:10.1038/NATURE14539", SourceKind.DOI, "doi:10.1038/nature14539"),
        ("DOI:10.1038/nature14539", SourceKind.DOI, "doi:10.1038/nature14539"),
        # PDFs keep their normalised URL.
        ("https://example.com/report.pdf", SourceKind.PDF, "//example.com/report.pdf"),
        (
            "http://www.Example.com/a/Report.PDF?x=1",
            SourceKind.PDF,
            "//example.com/a/Report.PDF?x=1",
        ),
        ("https://example.com/r.pdf#page=3", SourceKind.PDF, "//example.com/r.pdf"),
        # Mail and phone.
        ("mailto:Editor@Example.COM", SourceKind.MAIL, "mailto:editor@example.com"),
        ("mailto:editor@example.com?subject=Hi", SourceKind.MAIL, "mailto:editor@example.com"),
        ("MAILTO:a%40b@example.com", SourceKind.MAIL, "mailto:a@b@example.com"),
        ("tel:+1-555-123-4567", SourceKind.PHONE, "tel:+15551234567"),
        ("tel:+1 (555) 123.4567", SourceKind.PHONE, "tel:+15551234567"),
        # Relative: the path as written, no fragment.
        ("/blog/some-post", SourceKind.RELATIVE, "/blog/some-post"),
        ("/blog/some-post#intro", SourceKind.RELATIVE, "/blog/some-post"),
        ("../images/a.png", SourceKind.RELATIVE, "../images/a.png"),
        ("other.md#heading", SourceKind.RELATIVE, "other.md"),
        ("#frag", SourceKind.RELATIVE, ""),
        ("www.example.com/page", SourceKind.RELATIVE, "www.example.com/page"),
        # Web pages.
        ("https://example.com/page", SourceKind.WEB, "//example.com/page"),
        ("http://example.com/page/", SourceKind.WEB, "//example.com/page"),
        ("https://arxiv.org/list/cs.AI/recent", SourceKind.WEB, "//arxiv.org/list/cs.AI/recent"),
        ("https://doi.org/", SourceKind.WEB, "//doi.org"),
        ("https://example.com/10.1000/x", SourceKind.WEB, "//example.com/10.1000/x"),
        ("//example.com/x/", SourceKind.WEB, "//example.com/x"),
        # Everything else.
        ("ftp://files.example.com/a.txt", SourceKind.OTHER, "ftp://files.example.com/a.txt"),
        ("javascript:void(0)", SourceKind.OTHER, "javascript:void(0)"),
        ("arXiv:not-an-id", SourceKind.OTHER, "arXiv:not-an-id"),
        ("doi:nope", SourceKind.OTHER, "doi:nope"),
        ("", SourceKind.OTHER, ""),
    ],
)
def test_identify(url: str, kind: SourceKind, key: str) -> None:
    assert identify(url) == Source(kind, key)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://arxiv.org/abs/2408.15664", "https://arxiv.org/pdf/2408.15664v2.pdf"),
        ("arXiv:2408.15664", "http://export.arxiv.org/abs/2408.15664v1"),
        ("https://doi.org/10.1/X", "doi:10.1/x"),
        ("http://example.com/page", "https://www.example.com/page/"),
        ("https://example.com/?b=2&a=1", "https://example.com?a=1&b=2&utm_source=feed"),
        ("https://bücher.example/", "https://xn--bcher-kva.example"),
    ],
)
def test_same_source(first: str, second: str) -> None:
    assert identify(first).key == identify(second).key


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://arxiv.org/abs/2408.15664", "https://arxiv.org/abs/2408.15665"),
        ("https://example.com/a", "https://example.com/A"),
        ("https://example.com/a?x=1", "https://example.com/a?x=2"),
        ("https://example.com/a", "https://example.org/a"),
        ("ftp://example.com/a", "https://example.com/a"),
    ],
)
def test_different_sources(first: str, second: str) -> None:
    assert identify(first).key != identify(second).key


def test_rule_table_has_one_row_per_claimed_kind() -> None:
    kinds = [rule.kind for rule in SOURCE_RULES]
    assert len(kinds) == len(set(kinds))
    assert SourceKind.OTHER not in kinds  # the fallback, not a row


# ---------------------------------------------------------------------------
# arxiv_id and doi
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2408.15664v2", "2408.15664"),
        ("https://arxiv.org/pdf/2408.15664v2.pdf", "2408.15664"),
        ("https://arxiv.org/abs/1501.00001", "1501.00001"),
        ("http://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("arXiv:2408.15664", "2408.15664"),
        ("arXiv: 2408.15664", "2408.15664"),
        ("https://arxiv.org/abs/", None),
        ("https://arxiv.org/abs/12345", None),
        ("https://arxiv.org/", None),
        ("https://arxiv.org/list/cs/new", None),
        ("https://notarxiv.org/abs/2408.15664", None),
        ("https://arxiv.org.evil.example/abs/2408.15664", None),
        ("ftp://arxiv.org/abs/2408.15664", None),
        ("/abs/2408.15664", None),
        ("https://[bad/abs/2408.15664", None),
    ],
)
def test_arxiv_id(url: str, expected: str | None) -> None:
    assert arxiv_id(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://doi.org/10.1000/XYZ", "10.1000/xyz"),
        ("https://doi.org/10.1000/xyz?via=1", "10.1000/xyz"),
        ("doi:10.1000/xyz", "10.1000/xyz"),
        ("https://doi.org/11.1000/xyz", None),
        ("https://doi.org/10.1000", None),
        ("https://example.org/10.1000/xyz", None),
        ("doi:", None),
    ],
)
def test_doi(url: str, expected: str | None) -> None:
    assert doi(url) == expected


# ---------------------------------------------------------------------------
# normalize_url
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme
        ("https://example.com/a", "//example.com/a"),
        ("http://example.com/a", "//example.com/a"),
        ("HTTPS://example.com/a", "//example.com/a"),
        ("ftp://example.com/a", "ftp://example.com/a"),
        # host case, www., trailing dot
        ("https://EXAMPLE.Com/Path", "//example.com/Path"),
        ("https://www.example.com/a", "//example.com/a"),
        ("https://WWW.example.com/a", "//example.com/a"),
        ("https://www.com/a", "//www.com/a"),
        ("https://example.com./a", "//example.com/a"),
        # IDNA
        ("https://bücher.de/", "//xn--bcher-kva.de"),
        ("https://BÜCHER.de/a", "//xn--bcher-kva.de/a"),
        ("https://www.bücher.de/a", "//xn--bcher-kva.de/a"),
        ("https://Ü..de/a", "//ü..de/a"),
        # ports
        ("https://example.com:443/a", "//example.com/a"),
        ("http://example.com:80/a", "//example.com/a"),
        ("http://example.com:443/a", "//example.com:443/a"),
        ("https://example.com:8443/a", "//example.com:8443/a"),
        ("https://example.com:/a", "//example.com/a"),
        ("http://[::1]:80/a", "//[::1]/a"),
        ("http://[2001:DB8::1]:8080/", "//[2001:db8::1]:8080"),
        # user info is not part of the source
        ("https://user:secret@example.com/a", "//example.com/a"),
        # trailing slash and root
        ("https://example.com/", "//example.com"),
        ("https://example.com", "//example.com"),
        ("https://example.com/a/", "//example.com/a"),
        ("https://example.com/a//", "//example.com/a"),
        ("https://example.com/?q=1", "//example.com?q=1"),
        # fragment
        ("https://example.com/a#top", "//example.com/a"),
        ("https://example.com/a?x=1#top", "//example.com/a?x=1"),
        ("https://example.com/#", "//example.com"),
        # tracking parameters
        ("https://example.com/a?utm_source=x&utm_medium=y", "//example.com/a"),
        ("https://example.com/a?UTM_Campaign=x&id=3", "//example.com/a?id=3"),
        ("https://example.com/a?fbclid=abc&gclid=def&id=3", "//example.com/a?id=3"),
        ("https://example.com/a?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4", "//example.com/a"),
        ("https://example.com/a?igshid=1&yclid=2&msclkid=3&dclid=4", "//example.com/a"),
        ("https://example.com/a?ref_src=twsrc&ref=home", "//example.com/a?ref=home"),
        # query sorted, empty pairs dropped, values kept raw
        ("https://example.com/a?b=2&a=1", "//example.com/a?a=1&b=2"),
        ("https://example.com/a?b=2&&a=1&", "//example.com/a?a=1&b=2"),
        ("https://example.com/a?q=a+b", "//example.com/a?q=a+b"),
        ("https://example.com/a?", "//example.com/a"),
        # percent-encoding
        ("https://example.com/a%2fb", "//example.com/a%2Fb"),
        ("https://example.com/%7euser", "//example.com/~user"),
        ("https://example.com/%41", "//example.com/A"),
        ("https://example.com/café", "//example.com/caf%C3%A9"),
        ("https://example.com/caf%c3%a9", "//example.com/caf%C3%A9"),
        ("https://example.com/100%", "//example.com/100%"),
        ("https://example.com/a?q=%e2%82%ac", "//example.com/a?q=%E2%82%AC"),
        # not web URLs: returned without fragment
        ("/blog/a#b", "/blog/a"),
        ("mailto:a@b.c", "mailto:a@b.c"),
        ("http:/example.com", "http:/example.com"),
        ("https://[oops/a", "https://[oops/a"),
        ("", ""),
        ("  https://example.com/a  ", "//example.com/a"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_tracking_parameters_are_lower_case() -> None:
    assert all(name == name.lower() for name in TRACKING_PARAMETERS)


@given(st.text())
def test_normalize_url_never_raises(text: str) -> None:
    assert isinstance(normalize_url(text), str)


@given(st.text())
def test_identify_never_raises(text: str) -> None:
    assert isinstance(identify(text), Source)


@given(
    st.sampled_from(["http://", "https://", "//", "arXiv:", "doi:", "mailto:", "tel:", ""]),
    st.text(),
)
def test_every_function_is_total_on_url_like_text(prefix: str, rest: str) -> None:
    url = prefix + rest
    identify(url)
    normalize_url(url)
    arxiv_id(url)
    doi(url)
    strip_fragment(url)
    is_checkable(url)
    malformed_reason(url)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_normalize_url_is_idempotent_on_web_urls(path: str) -> None:
    once = normalize_url("https://example.com/" + path)
    assert normalize_url("https:" + once) == once


# ---------------------------------------------------------------------------
# strip_fragment, is_checkable, malformed_reason
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a#b", "https://example.com/a"),
        ("https://example.com/a#b#c", "https://example.com/a"),
        ("https://example.com/a#", "https://example.com/a"),
        ("https://example.com/a", "https://example.com/a"),
        ("#top", ""),
    ],
)
def test_strip_fragment(url: str, expected: str) -> None:
    assert strip_fragment(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a", True),
        ("HTTP://example.com", True),
        ("http://127.0.0.1:8080/x", True),
        ("https://[::1]/x", True),
        ("https:///x", False),
        ("http:/x", False),
        ("https://exa mple.com/", False),
        ("ftp://example.com/a", False),
        ("mailto:a@b.c", False),
        ("/blog/x", False),
        ("//example.com/x", False),
        ("", False),
    ],
)
def test_is_checkable(url: str, expected: bool) -> None:
    assert is_checkable(url) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?b=c#d", None),
        ("https://bücher.de/", None),
        ("https://xn--bcher-kva.de/", None),
        ("http://127.0.0.1:8080/", None),
        ("https://[2001:db8::1]:443/", None),
        ("https://my_host.example/", None),
        ("https://example.com./", None),
        ("https://example.com:/", None),
        ("http:/example.com", "missing '//' after 'http:'"),
        ("https:example.com", "missing '//' after 'https:'"),
        ("https:///x", "no host"),
        ("https://", "no host"),
        ("https://user@/x", "no host"),
        ("https://:80/x", "no host"),
        ("https://example.com/a b", "unescaped whitespace"),
        ("https://exa mple.com/", "unescaped whitespace"),
        ("https://example.com/\u00a0", "unescaped whitespace"),
        ("https://example.com/a\tb", "unescaped control character"),
        ("https://example.com/a\x00", "unescaped control character"),
        ("https://example.com:http/", "bad port 'http'"),
        ("https://example.com:99999/", "bad port '99999'"),
        ("https://example.com:８０/", "bad port '８０'"),
        ("https://a..b/", "empty label in host 'a..b'"),
        ("https://-bad.example/", "bad host name label '-bad'"),
        ("https://bad-.example/", "bad host name label 'bad-'"),
        ("https://exa<mple.com/", "bad host name label 'exa<mple'"),
        ("https://" + "a" * 64 + ".com/", "bad host name label '" + "a" * 64 + "'"),
        ("https://" + "a." * 127 + "com/", "host name too long"),
        ("https://\u00ad\u200b.com/", "bad international host name label '\\xad\\u200b'"),
        ("https://[::zz]/", "unparseable host"),
        ("https://[::1/", "unparseable host"),
        # Not http(s): none of this applies.
        ("ftp:/x", None),
        ("/a b", None),
        ("mailto:a b@c", None),
    ],
)
def test_malformed_reason(url: str, expected: str | None) -> None:
    assert malformed_reason(url) == expected


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Example.org/a/b?c#d", "example.org"),
        ("http://user:pw@Host.test:8080/x", "host.test"),
        ("https://[::1]:8443/p", "[::1]"),
        ("http://127.0.0.2:8080", "127.0.0.2"),
        ("https://example.org?q=1", "example.org"),
        ("not a url", ""),
        ("https://[2001:DB8::1]/x", "[2001:db8::1]"),
        ("https://a.example#x/y", "a.example"),
        ("mailto:someone@example.org", ""),
    ],
)
def test_host_of_is_the_lower_case_host_part_of_the_url(url: str, host: str) -> None:
    assert host_of(url) == host

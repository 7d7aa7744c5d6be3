"""The pypdf-free reader of a PDF's document-information title, checked against pypdf."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, NameObject
from pypdf.xmp import XmpInformation

from linkcheck.check.page import clean_title, pdf_title
from linkcheck.check.pdfinfo import MAX_DEPTH, UNDECIDED, Undecided, info_title

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

BASE: dict[int, bytes] = {
    1: b"<< /Type /Catalog /Pages 2 0 R >>",
    2: b"<< /Type /Pages /Kids [] /Count 0 >>",
}
"""The objects every hand-written PDF here has; the information object is number 3."""


def build_pdf(*revisions: tuple[dict[int, bytes], bytes], header: bytes = HEADER) -> bytes:
    """A PDF written by hand: per revision its objects, an xref table and a trailer.

    Each revision is ``(objects, trailer entries)``; /Size, /Root and /Prev are added. The
    offsets are right, so pypdf reads these files too.
    """
    out = bytearray(header)
    prev: int | None = None
    size = 1
    for objects, entries in revisions:
        offsets: dict[int, int] = {}
        for number, text in objects.items():
            offsets[number] = len(out)
            out += b"%d 0 obj\n%s\nendobj\n" % (number, text)
        size = max(size, *(n + 1 for n in offsets))
        xref_at = len(out)
        out += b"xref\n"
        if prev is None:
            out += b"0 1\n0000000000 65535 f \n"
        for number in sorted(offsets):
            out += b"%d 1\n%010d 00000 n \n" % (number, offsets[number])
        prev_entry = b"" if prev is None else b" /Prev %d" % prev
        out += b"trailer\n<< /Size %d /Root 1 0 R%s %s >>\n" % (size, prev_entry, entries)
        out += b"startxref\n%d\n%%%%EOF\n" % xref_at
        prev = xref_at
    return bytes(out)


def info_pdf(
    info: bytes, *, trailer: bytes = b"/Info 3 0 R", more: dict[int, bytes] | None = None
) -> bytes:
    """A one-revision PDF whose object 3 is ``info``."""
    return build_pdf(({**BASE, 3: info, **(more or {})}, trailer))


def titled(literal: bytes) -> bytes:
    return info_pdf(b"<< /Producer (hand) /Title " + literal + b" >>")


def pypdf_title(body: bytes) -> str | None:
    """What pypdf reads as the document-info title."""
    metadata = PdfReader(io.BytesIO(body)).metadata
    return None if metadata is None else metadata.title


def writer_pdf(metadata: dict[str, str], *, xmp_title: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata(metadata)
    if xmp_title is not None:
        stream = ContentStream(None, None)
        stream.set_data(
            (
                '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
                '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
                'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{xmp_title}</rdf:li>'
                "</rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>"
                '<?xpacket end="w"?>'
            ).encode()
        )
        stream[NameObject("/Type")] = NameObject("/Metadata")
        stream[NameObject("/Subtype")] = NameObject("/XML")
        writer.xmp_metadata = XmpInformation(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------------------
# Strings, as pypdf reads them
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (rb"(Plain title)", "Plain title"),
        (rb"(a\(b\)c)", "a(b)c"),
        (rb"(back\\slash)", "back\\slash"),
        (rb"(one\ntwo\tthree\rfour)", "one\ntwo\tthree\rfour"),
        (rb"(\101\102C)", "ABC"),
        (rb"(\1011)", "A1"),
        (rb"(\60\61x)", "01x"),
        (b"(split \\\nline)", "split line"),
        (b"(split \\\r\nline)", "split line"),
        (b"(split \\\rline)", "split line"),
        (rb"(f(x) = (y))", "f(x) = (y)"),
        (rb"(\/\ \%\<\>\[\]\#\_\&\$)", "/ %<>[]#_&$"),
        (rb"(100% sure)", "100% sure"),
        (rb"(a /Title b)", "a /Title b"),
        (rb"<48656C6C6F>", "Hello"),
        (b"<48 65\n6c 6C\t6F>", "Hello"),
        (rb"<4869 2>", "Hi "),
        (rb"<FEFF00E9006C00E8007600650021>", "élève!"),
        (rb"<feff d83d de00>", "😀"),
        (rb"(\376\377\000H\000i)", "Hi"),
        (rb"<EFBBBFC3A9>", "é"),
        (b"(\xef\xbb\xbfna\xc3\xafve)", "naïve"),
    ],
)
def test_strings_read_as_pypdf_reads_them(literal: bytes, expected: str) -> None:
    body = titled(literal)
    assert info_title(body) == expected
    assert pypdf_title(body) == expected


def test_empty_title_is_decided_but_empty() -> None:
    body = titled(b"()")
    assert info_title(body) == ""
    assert pypdf_title(body) is None  # pypdf treats an empty title as none


@pytest.mark.parametrize("literal", [b"(one\ntwo)", b"(one\r\ntwo)", b"(one\rtwo)"])
def test_raw_line_ends_read_as_one_line_feed(literal: bytes) -> None:
    body = titled(literal)
    assert info_title(body) == "one\ntwo"
    # pypdf keeps the raw bytes; the cleaned titles agree.
    assert pdf_title(body) == clean_title(pypdf_title(body)) == "one two"


@pytest.mark.parametrize(
    "literal",
    [
        rb"(Caf\351)",  # PDFDocEncoding, not Latin-1
        b"(Caf\xe9)",
        rb"(a\001b)",
        rb"(a\bb\fc)",  # control characters other than tab and line ends
        rb"(\000H\000i)",  # UTF-16 without a byte-order mark
        rb"<FFFE4800>",  # UTF-16LE
        rb"<FEFF00>",  # odd UTF-16
        rb"<FEFFD800>",  # lone surrogate
        rb"<EFBBBFFF>",  # not UTF-8 after the mark
        rb"(a\qb)",  # pypdf keeps the backslash
        rb"(a\8b)",
        rb"(\501)",  # octal above \377
        b"(a\\\n\nb)",  # pypdf swallows both line ends
        b"(a\\\r\rb)",
        b"(\\376\\377\r\n)",  # U+0D0A with raw bytes
    ],
)
def test_strings_left_to_pypdf(literal: bytes) -> None:
    body = titled(literal)
    assert info_title(body) is UNDECIDED
    assert pdf_title(body) == clean_title(pypdf_title(body))


def test_utf16_with_raw_line_end_goes_to_pypdf() -> None:
    body = titled(b"(\\376\\377\r\n)")
    assert pypdf_title(body) == "\u0d0a"
    assert pdf_title(body) == "\u0d0a"


# ---------------------------------------------------------------------------
# The dictionary
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [b"7 0 R", b"/Name", b"42", b"3.5", b"true", b"null", b"[(a)]", b"<< /T (a) >>"],
)
def test_title_that_is_not_a_string_is_undecided(value: bytes) -> None:
    assert info_title(titled(value)) is UNDECIDED


def test_indirect_title_falls_back_to_pypdf() -> None:
    body = info_pdf(b"<< /Title 7 0 R >>", more={7: b"(Indirect title)"})
    assert info_title(body) is UNDECIDED
    assert pypdf_title(body) == "Indirect title"
    assert pdf_title(body) == "Indirect title"


def test_missing_title_is_undecided() -> None:
    assert info_title(info_pdf(b"<< /Author (Someone) >>")) is UNDECIDED
    assert info_title(info_pdf(b"<< >>")) is UNDECIDED


def test_only_top_level_keys_count() -> None:
    info = (
        b"<< /Subject (/Title \\(Fake\\)) /Keywords << /Title (Nested) >>"
        b" /Custom [ /Title (In array) << /Title (Deeper) >> ] % /Title (Comment)\n"
        b" /Title (Real) /Creator <2F5469746C65> >>"
    )
    body = info_pdf(info)
    assert info_title(body) == "Real"
    assert pypdf_title(body) == "Real"


def test_title_only_nested_or_quoted_is_undecided() -> None:
    info = b"<< /Subject (/Title (Fake)) /Keywords << /Title (Nested) >> % /Title (C)\n >>"
    assert info_title(info_pdf(info)) is UNDECIDED


def test_name_escapes_in_keys() -> None:
    body = info_pdf(b"<</T#69tle(Escaped key)>>")
    assert info_title(body) == "Escaped key"
    assert pypdf_title(body) == "Escaped key"


def test_compact_syntax() -> None:
    body = info_pdf(b"<</Author(A)/Dates[1 2.5 -3 .5 3 0 R]/Flag true/Title<4869>>>")
    assert info_title(body) == "Hi"
    assert pypdf_title(body) == "Hi"


def test_duplicate_title_is_undecided() -> None:
    assert info_title(info_pdf(b"<< /Title (One) /Title (Two) >>")) is UNDECIDED


@pytest.mark.parametrize(
    "info",
    [
        b"(just a string)",
        b"[ /Title (In an array) ]",
        b"<< /Title (Stream) /Length 0 >>\nstream\n\nendstream",
        b"<< /Title (Unclosed)",
        b"<< /Title (Unbalanced >>",
        b"<< /Title <4G> >>",
        b"<< /Title (Good) /Bad { } >>",
        b"<< /Title (Good) endobj >>",
        b"<< Title (No solidus) >>",
    ],
)
def test_information_object_that_is_not_a_plain_dictionary(info: bytes) -> None:
    assert info_title(info_pdf(info)) is UNDECIDED


def test_nesting_is_capped() -> None:
    shallow = b"[" * (MAX_DEPTH - 2) + b"]" * (MAX_DEPTH - 2)
    assert info_title(info_pdf(b"<< /A " + shallow + b" /Title (Kept) >>")) == "Kept"
    deep = b"[" * 100_000 + b"]" * 100_000
    assert info_title(info_pdf(b"<< /A " + deep + b" /Title (Kept) >>")) is UNDECIDED
    dicts = b"<< /A " * 5_000 + b">>" * 5_000
    assert info_title(info_pdf(b"<< /A " + dicts + b" /Title (Kept) >>")) is UNDECIDED


# ---------------------------------------------------------------------------
# Finding the trailer and the information object
# ---------------------------------------------------------------------------


def test_object_number_is_not_a_suffix_of_another() -> None:
    body = info_pdf(b"<< /Title (Right) >>", more={13: b"<< /Title (Wrong) >>"})
    assert body.index(b"13 0 obj") > body.index(b"\n3 0 obj")
    assert info_title(body) == "Right"
    assert pypdf_title(body) == "Right"


def test_generation_must_match() -> None:
    assert info_title(info_pdf(b"<< /Title (T) >>", trailer=b"/Info 3 1 R")) is UNDECIDED


def test_missing_information_object() -> None:
    assert info_title(info_pdf(b"<< /Title (T) >>", trailer=b"/Info 9 0 R")) is UNDECIDED
    assert info_title(info_pdf(b"<< /Title (T) >>", trailer=b"")) is UNDECIDED
    assert info_title(info_pdf(b"<< /Title (T) >>", trailer=b"/Info 0 0 R")) is UNDECIDED


def test_direct_information_dictionary_is_undecided() -> None:
    body = info_pdf(b"<< >>", trailer=b"/Info << /Title (Direct) >>")
    assert info_title(body) is UNDECIDED


def test_incremental_update_redefines_the_information_object() -> None:
    body = build_pdf(
        ({**BASE, 3: b"<< /Title (Old) >>"}, b"/Info 3 0 R"),
        ({3: b"<< /Title (New) >>"}, b"/Info 3 0 R"),
    )
    assert info_title(body) == "New"
    assert pypdf_title(body) == "New"


def test_incremental_update_names_a_new_information_object() -> None:
    body = build_pdf(
        ({**BASE, 3: b"<< /Title (Old) >>"}, b"/Info 3 0 R"),
        ({4: b"<< /Title (New) >>"}, b"/Info 4 0 R"),
    )
    assert info_title(body) == "New"
    assert pypdf_title(body) == "New"


def test_newest_trailer_without_info_is_undecided() -> None:
    body = build_pdf(
        ({**BASE, 3: b"<< /Title (Old) >>"}, b"/Info 3 0 R"),
        ({4: b"<< /Other (x) >>"}, b""),
    )
    assert info_title(body) is UNDECIDED
    assert pdf_title(body) == clean_title(pypdf_title(body))


def test_update_with_object_streams_is_undecided() -> None:
    objstm = b"<< /Type /ObjStm /N 0 /First 0 /Length 0 >>\nstream\n\nendstream"
    body = build_pdf(
        ({**BASE, 3: b"<< /Title (Old) >>"}, b"/Info 3 0 R"),
        ({5: objstm}, b"/Info 3 0 R"),
    )
    assert info_title(body) is UNDECIDED


def test_startxref_picks_a_section_at_the_start_of_the_file() -> None:
    """As in linearized files: the newest trailer sits before the objects it names."""
    objects = {**BASE, 3: b"<< /Title (First page trailer) >>"}

    def layout(offsets: dict[int, int]) -> tuple[bytes, dict[int, int]]:
        out = bytearray(HEADER)
        xref_at = len(out)
        out += b"xref\n0 4\n0000000000 65535 f \n"
        out += b"".join(b"%010d 00000 n \n" % offsets.get(n, 0) for n in (1, 2, 3))
        out += b"trailer\n<< /Size 4 /Root 1 0 R /Info 3 0 R >>\n"
        found: dict[int, int] = {}
        for number, text in objects.items():
            found[number] = len(out)
            out += b"%d 0 obj\n%s\nendobj\n" % (number, text)
        out += b"trailer\n<< /Size 4 >>\nstartxref\n%d\n%%%%EOF\n" % xref_at
        return bytes(out), found

    body, offsets = layout({})
    body, again = layout(offsets)
    assert again == offsets
    assert info_title(body) == "First page trailer"
    assert pypdf_title(body) == "First page trailer"
    # Without a usable startxref the last trailer stands in, and it names no information.
    assert info_title(body.replace(b"startxref\n", b"startxref\n9")) is UNDECIDED


def xref_stream_pdf(info: bytes, *, extra: bytes = b"") -> bytes:
    """A PDF whose only cross-reference section is an uncompressed xref stream."""
    out = bytearray(HEADER)
    offsets: dict[int, int] = {}
    for number, text in {**BASE, 3: info}.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, text)
    offsets[4] = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    rows += [b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00" for n in range(1, 5)]
    data = b"".join(rows)
    out += (
        b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R /Info 3 0 R%s /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
        % (extra, len(data), data, offsets[4])
    )
    return bytes(out)


def test_cross_reference_stream_trailer() -> None:
    body = xref_stream_pdf(b"<< /Title (Streamed xref) >>")
    assert info_title(body) == "Streamed xref"
    assert pypdf_title(body) == "Streamed xref"
    # With a wrong startxref the last cross-reference stream in the tail is found instead.
    moved = body.replace(b"startxref\n", b"startxref\n9")
    assert info_title(moved) == "Streamed xref"


def test_encrypted_documents_are_undecided() -> None:
    plain = info_pdf(b"<< /Title (Secret) >>", trailer=b"/Info 3 0 R /Encrypt 9 0 R")
    assert info_title(plain) is UNDECIDED
    streamed = xref_stream_pdf(b"<< /Title (Secret) >>", extra=b" /Encrypt 9 0 R")
    assert info_title(streamed) is UNDECIDED


def test_missing_header_is_undecided() -> None:
    body = titled(b"(T)")
    assert info_title(body) == "T"
    assert info_title(body.replace(b"%PDF-", b"%XYZ-", 1)) is UNDECIDED
    # Bytes before the header shift every offset; the last trailer still stands in.
    assert info_title(b"\r\n" * 500 + body) == "T"
    assert info_title(b" " * 1024 + body) is UNDECIDED


def test_truncated_body_is_undecided() -> None:
    body = titled(b"(Kept)")
    assert info_title(body[: body.rindex(b"trailer")]) is UNDECIDED
    for cut in range(len(body)):
        assert info_title(body[:cut]) in {UNDECIDED, "Kept"}


def test_truncated_writer_pdf() -> None:
    body = writer_pdf({"/Title": "Kept"})
    for cut in range(0, len(body), 7):
        assert info_title(body[:cut]) in {UNDECIDED, "Kept"}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_garbage_never_raises(noise: bytes) -> None:
    for body in (noise, b"%PDF-1.4\n" + noise, b"%PDF-1.4\n" + noise + b"\ntrailer\n<<"):
        result = info_title(body)
        assert result is UNDECIDED or isinstance(result, str)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_pdf_never_raises(data: st.DataObject) -> None:
    body = bytearray(titled(rb"(A \(nested\) title) /Keywords [1 0 R <3A3B> << /K /V >>]"))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(body) - 1))
        body[at] = data.draw(st.integers(0, 255))
    result = info_title(bytes(body))
    assert result is UNDECIDED or isinstance(result, str)


# ---------------------------------------------------------------------------
# Agreement with pypdf on what PdfWriter writes
# ---------------------------------------------------------------------------


def _writes_one_byte_text(title: str) -> bool:
    """Whether PdfWriter stores ``title`` as plain ASCII text (else PDFDocEncoding or UTF-16)."""
    return all(ch in "\t\n\r" or " " <= ch <= "~" for ch in title)


def _written_as_utf16(body: bytes) -> bool:
    """Whether PdfWriter stored the title as UTF-16BE with a byte-order mark."""
    return b"/Title (\\376\\377" in body


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_agrees_with_pypdf_on_writer_titles(title: str) -> None:
    body = writer_pdf({"/Title": title})
    raw = pypdf_title(body)
    fast = info_title(body)
    if title == "":
        assert fast == ""
        assert raw is None
    else:
        assert fast is UNDECIDED or fast == raw
    if _writes_one_byte_text(title) or _written_as_utf16(body):
        assert not isinstance(fast, Undecided)
    assert pdf_title(body) == (clean_title(str(raw)) if raw else None)


@pytest.mark.parametrize(
    "title",
    [
        "Energy and Policy Considerations",
        "Attention Is All You Need",
        "日本語のタイトル",
        "Привет, мир",
        "Emoji 😀 and (parens) and \\ backslash",
        "  spaced\n\tout  ",
        "t" * 1000,
    ],
)
def test_pdf_title_from_writer_pdfs(title: str) -> None:
    body = writer_pdf({"/Title": title})
    assert info_title(body) == pypdf_title(body) == title
    assert pdf_title(body) == clean_title(title)


def test_latin_titles_go_to_pypdf() -> None:
    """PdfWriter stores these in PDFDocEncoding, which only pypdf decodes."""
    body = writer_pdf({"/Title": "Café"})
    assert info_title(body) is UNDECIDED
    assert pdf_title(body) == "Café"


def test_blank_info_title_falls_back_to_xmp() -> None:
    body = writer_pdf({"/Title": "   "}, xmp_title="XMP Title")
    assert info_title(body) == "   "
    assert pdf_title(body) == "XMP Title"


def test_missing_info_title_falls_back_to_xmp() -> None:
    body = writer_pdf({"/Author": "Someone"}, xmp_title="XMP Title")
    assert info_title(body) is UNDECIDED
    assert pdf_title(body) == "XMP Title"


# ---------------------------------------------------------------------------
# pdf_title loads pypdf only when needed
# ---------------------------------------------------------------------------


def _title_in_subprocess(body: bytes) -> tuple[str, str]:
    code = textwrap.dedent(
        f"""
        import sys
        from linkcheck.check.page import pdf_title
        print(repr(pdf_title({body!r})))
        print("pypdf" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    title, loaded = done.stdout.splitlines()
    return title, loaded


def test_simple_pdf_does_not_import_pypdf() -> None:
    body = titled(b"(  A plain\\ntitle )")
    assert _title_in_subprocess(body) == ("'A plain title'", "False")


def test_undecided_pdf_imports_pypdf() -> None:
    body = info_pdf(b"<< /Title 7 0 R >>", more={7: b"(Indirect title)"})
    assert _title_in_subprocess(body) == ("'Indirect title'", "True")

"""PDF and ZIP (and the OOXML documents that are ZIPs: docx, xlsx).

Padding: an unreferenced PDF stream object; a stored ZIP member (a JPEG photo in an
archive, an unreferenced media part in a document) whose CRC is computed once.
"""

from __future__ import annotations

import struct
import zlib
from datetime import datetime

from ._images import jpeg
from ._layout import Layout, TooSmall, crc32_of

# -- PDF --------------------------------------------------------------------------------


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(layout: Layout, size: int, title: str) -> None:
    content = f"BT /F1 24 Tf 72 760 Td ({_pdf_text(title)}) Tj ET\n".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    head = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(head))
        head += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets.append(len(head))
    # Object 6 holds the padding. Its length and the xref offset are written with ten
    # digits (PDF integers may have leading zeros), so the overhead does not depend on them.
    pad_open = b"6 0 obj\n<< /Length %010d >>\nstream\n"
    pad_close = b"\nendstream\nendobj\n"
    xref = b"xref\n0 7\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    tail = xref + b"trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%010d\n%%%%EOF\n"
    overhead = len(head) + len(pad_open % 0) + len(pad_close) + len(tail % 0)
    pad = size - overhead
    if pad < 0:
        raise TooSmall("pdf")
    layout.literal(bytes(head) + pad_open % pad)
    layout.padding(pad)
    layout.literal(pad_close + tail % (size - len(tail % 0)))


# -- ZIP --------------------------------------------------------------------------------


def _dos_time(when: datetime) -> tuple[int, int]:
    time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
    date = ((max(when.year, 1980) - 1980) << 9) | (when.month << 5) | when.day
    return time, date


class _Zip:
    """Writes members into a layout; `close` adds the central directory."""

    def __init__(self, layout: Layout, when: datetime) -> None:
        self._layout, self._when = layout, _dos_time(when)
        self._central: list[bytes] = []

    def _headers(
        self, name: bytes, method: int, crc: int, csize: int, usize: int
    ) -> tuple[bytes, bytes]:
        """(local header, central directory entry) of a member written next."""
        common = struct.pack("<HHHHIIIH", 0, method, *self._when, crc, csize, usize, len(name))
        local = struct.pack("<IH", 0x04034B50, 20) + common + b"\0\0" + name
        # Central entry: made by version 2.0; no extra, comment, disk or attributes; the offset.
        central = struct.pack("<IHH", 0x02014B50, 20, 20) + common
        central += bytes(12) + struct.pack("<I", self._layout.size) + name
        return local, central

    def member(self, name: str, data: bytes) -> None:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = packer.compress(data) + packer.flush()
        self._add(name.encode(), 8, zlib.crc32(data), packed, len(data))

    def _add(self, name: bytes, method: int, crc: int, packed: bytes | Layout, usize: int) -> None:
        csize = packed.size if isinstance(packed, Layout) else len(packed)
        local, central = self._headers(name, method, crc, csize, usize)
        self._central.append(central)
        self._layout.literal(local)
        if isinstance(packed, Layout):
            self._layout.nested(packed)
        else:
            self._layout.literal(packed)

    def stored(self, name: str, inner: Layout) -> None:
        self._add(name.encode(), 0, crc32_of(inner.read, inner.size), inner, inner.size)

    def stored_size(self, name: str) -> int:
        """Bytes a stored member of this name adds besides its data (both headers)."""
        return 30 + 46 + 2 * len(name.encode())

    def close(self) -> None:
        directory = b"".join(self._central)
        start = self._layout.size
        entries, length = len(self._central), len(directory)
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, length, start, 0)
        self._layout.literal(directory + end)


def _archive(
    layout: Layout, size: int, when: datetime, members: list[tuple[str, bytes]], filler: str
) -> None:
    """A ZIP of `members` and one stored `filler` member that takes up the rest: a JPEG
    photo when it fits, pseudo-random bytes otherwise."""
    probe = layout.child("probe")
    _probe_zip = _Zip(probe, when)
    for name, data in members:
        _probe_zip.member(name, data)
    _probe_zip.close()
    left = size - probe.size - _probe_zip.stored_size(filler)
    if left < 0 or size >= 1 << 32:  # ZIP64 is not needed for a demo
        raise TooSmall("zip")
    inner = layout.child("member")
    try:
        jpeg(inner, left, 640, 480, left, "Simulated Telegram archive photo")
    except TooSmall:
        inner = layout.child("member")
        inner.padding(left)
    archive = _Zip(layout, when)
    for name, data in members:
        archive.member(name, data)
    archive.stored(filler, inner)
    archive.close()


def zip_archive(layout: Layout, size: int, when: datetime, title: str) -> None:
    readme = f"{title}\nA demo archive from the simulated Telegram.\n".encode()
    _archive(layout, size, when, [("README.txt", readme)], "photos/photo_0001.jpg")


_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_MAIN = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_SHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CT = "application/vnd.openxmlformats-officedocument"


def _types(overrides: dict[str, str]) -> bytes:
    parts = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides.items())
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Default Extension="jpeg" ContentType="image/jpeg"/>{parts}</Types>'
    ).encode()


def _rels(target: str, kind: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_PKG_RELS}"><Relationship Id="rId1" '
        f'Type="{_RELS}/{kind}" Target="{target}"/></Relationships>'
    ).encode()


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def docx(layout: Layout, size: int, when: datetime, title: str) -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{_MAIN}"><w:body><w:p><w:r><w:t>{_xml_text(title)}</w:t>'
        "</w:r></w:p></w:body></w:document>"
    ).encode()
    members = [
        (
            "[Content_Types].xml",
            _types({"/word/document.xml": f"{_CT}.wordprocessingml.document.main+xml"}),
        ),
        ("_rels/.rels", _rels("word/document.xml", "officeDocument")),
        ("word/document.xml", body),
    ]
    _archive(layout, size, when, members, "word/media/image1.jpeg")


def xlsx(layout: Layout, size: int, when: datetime, title: str) -> None:
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_SHEET}" xmlns:r="{_RELS}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ).encode()
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_SHEET}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
        f'<t>{_xml_text(title)}</t></is></c><c r="B1"><v>42</v></c></row></sheetData></worksheet>'
    ).encode()
    members = [
        (
            "[Content_Types].xml",
            _types(
                {
                    "/xl/workbook.xml": f"{_CT}.spreadsheetml.sheet.main+xml",
                    "/xl/worksheets/sheet1.xml": f"{_CT}.spreadsheetml.worksheet+xml",
                }
            ),
        ),
        ("_rels/.rels", _rels("xl/workbook.xml", "officeDocument")),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", _rels("worksheets/sheet1.xml", "worksheet")),
        ("xl/worksheets/sheet1.xml", sheet),
    ]
    _archive(layout, size, when, members, "xl/media/image1.jpeg")

"""QR pictures of a tg://login URL: SVG for the browser, text blocks for a terminal."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> bytes:
    """A standalone SVG (one path, scalable, no raster dependency)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def qr_text(data: str, *, invert: bool = True) -> str:
    """The QR as half-block characters; `invert` suits light-on-dark terminals."""
    qr = qrcode.QRCode(border=2)
    qr.add_data(data)
    qr.make(fit=True)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=invert)
    return out.getvalue()

"""What a file is, read from its bytes (never from its name or the declared content type).

An ear scan is an STL (binary or ASCII), a PLY or an ASC point cloud; an audiogram a PDF; a photo
a JPEG or PNG. :func:`sniff` reads the magic bytes or the structure and answers with the file's
format, or ``None`` for anything else: a renamed ``.exe`` stays refused whatever it is called.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    code: str  # stl | ply | asc | pdf | jpeg | png
    kind: str  # scan | audiogram | photo (``models.Attachment.Kind``)
    content_type: str
    extension: str


FORMATS = {
    f.code: f
    for f in (
        Format("stl", "scan", "model/stl", "stl"),
        Format("ply", "scan", "application/x-ply", "ply"),
        Format("asc", "scan", "text/plain", "asc"),
        Format("pdf", "audiogram", "application/pdf", "pdf"),
        Format("jpeg", "photo", "image/jpeg", "jpg"),
        Format("png", "photo", "image/png", "png"),
    )
}
#: How much of a file the structure checks read (the head and, for STL, the size).
HEAD = 64 * 1024
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_ASC_LINE = re.compile(rf"\s*{_NUMBER}(?:[\s,;]+{_NUMBER}){{2,8}}\s*")
_PLY_FORMAT = re.compile(rb"^format (ascii|binary_little_endian|binary_big_endian) 1\.0\s*$", re.M)


def sniff(head: bytes, size: int) -> Format | None:
    """The format of a file of ``size`` bytes whose first bytes are ``head`` (at least
    :data:`HEAD` of them, or the whole file)."""
    if head.startswith(b"%PDF-"):
        return FORMATS["pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FORMATS["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return FORMATS["jpeg"]
    if _is_ply(head):
        return FORMATS["ply"]
    if _is_binary_stl(head, size):  # before ASCII: a binary header may begin with "solid"
        return FORMATS["stl"]
    text = _text(head, whole=size <= len(head))
    if text is None:
        return None
    if _is_ascii_stl(text):
        return FORMATS["stl"]
    if _is_asc(text):
        return FORMATS["asc"]
    return None


def _is_binary_stl(head: bytes, size: int) -> bool:
    """80 bytes header, a triangle count, 50 bytes per triangle: the size says it exactly."""
    if size < 84 + 50 or len(head) < 84:
        return False
    (triangles,) = struct.unpack_from("<I", head, 80)
    return triangles > 0 and size == 84 + 50 * triangles


def _text(head: bytes, whole: bool) -> str | None:
    if b"\x00" in head:
        return None
    try:
        return head.decode("ascii")
    except UnicodeDecodeError as exc:
        if whole or exc.start < len(head) - 4:  # not just a cut at the end of the head
            return None
        return head[: exc.start].decode("ascii")


def _is_ascii_stl(text: str) -> bool:
    words = text.lstrip().split(None, 8)
    return (
        len(words) > 3
        and words[0] == "solid"
        and "facet" in words[:4]
        and re.search(r"\bouter\s+loop\b", text) is not None
        and re.search(r"\bvertex\s", text) is not None
    )


def _is_ply(head: bytes) -> bool:
    if not (head.startswith(b"ply\n") or head.startswith(b"ply\r\n")):
        return False
    header, sep, _ = head.partition(b"end_header")
    return bool(sep) and _PLY_FORMAT.search(header) is not None and b"element vertex" in header


def _is_asc(text: str) -> bool:
    """Lines of three to nine numbers (x y z, then normals or colours); comments with # or //."""
    lines = text.splitlines()
    if len(text) >= HEAD and lines:
        lines = lines[:-1]  # the head may end mid-line
    points = 0
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        if not _ASC_LINE.fullmatch(stripped):
            return False
        points += 1
    return points >= 3

"""Small real files of every accepted kind (and some that only look like one)."""

from __future__ import annotations

import struct
import zlib


def binary_stl(triangles: int = 2, header: bytes = b"OrderHub test scan") -> bytes:
    body = b"".join(
        struct.pack("<12fH", 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, float(i), 0) for i in range(triangles)
    )
    return header.ljust(80, b" ")[:80] + struct.pack("<I", triangles) + body


ASCII_STL = b"""solid ear
  facet normal 0 0 1
    outer loop
      vertex 0 0 0
      vertex 1 0 0
      vertex 0 1 0
    endloop
  endfacet
endsolid ear
"""

PLY = b"""ply
format ascii 1.0
element vertex 3
property float x
property float y
property float z
end_header
0 0 0
1 0 0
0 1 0
"""

ASC = b"""# ear impression point cloud
0.0 0.0 0.0
1.5 0.25 -3.0
2.0e-1 1 2
"""

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 40 + b"\xff\xd9"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100
#: Claims to be a binary STL but its size does not match the triangle count.
TRUNCATED_STL = binary_stl(3)[:-20]

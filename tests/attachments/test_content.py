"""The type of a file is read from its bytes: every accepted format, and look-alikes refused."""

from __future__ import annotations

import pytest

from orderhub.attachments import content
from tests.attachments import files


@pytest.mark.parametrize(
    ("data", "code", "kind"),
    [
        (files.binary_stl(), "stl", "scan"),
        (files.binary_stl(header=b"solid but binary"), "stl", "scan"),
        (files.ASCII_STL, "stl", "scan"),
        (files.PLY, "ply", "scan"),
        (files.ASC, "asc", "scan"),
        (files.PDF, "pdf", "audiogram"),
        (files.JPEG, "jpeg", "photo"),
        (files.png(), "png", "photo"),
    ],
)
def test_accepted_formats_are_recognised_by_content(data, code, kind):
    found = content.sniff(data[: content.HEAD], len(data))
    assert found is not None and (found.code, found.kind) == (code, kind)


@pytest.mark.parametrize(
    "data",
    [
        files.EXE,
        files.TRUNCATED_STL,
        b"solid nothing here\nendsolid\n",
        b"hello world, this is a text file\n",
        b"1 2\n3 4\n5 6\n",  # two numbers a line: not a point cloud
        b"ply\nformat ascii 1.0\n",  # no end_header
        b"",
    ],
)
def test_other_files_are_refused_whatever_their_name(data):
    assert content.sniff(data[: content.HEAD], len(data)) is None


def test_a_large_point_cloud_is_judged_by_its_head():
    data = b"".join(b"%d.5 %d.25 -%d.0\n" % (i, i, i) for i in range(20000))
    assert len(data) > content.HEAD
    assert content.sniff(data[: content.HEAD], len(data)).code == "asc"

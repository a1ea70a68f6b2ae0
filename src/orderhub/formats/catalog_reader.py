"""The entry point for reading partner catalogs: :func:`read_catalog`.

The Django side imports catalogs through :func:`read_catalog` and only ever sees the three
dataclasses of :mod:`orderhub.formats.catalog`; which file format a partner sends (BMEcat 2005,
BMEcat 1.2/1.01, CSV) is decided here from the first bytes. This module sits above the BMEcat and
CSV readers (which import the data model), so nothing imports in a circle.

Reading streams: one article is built at a time and nothing grows with the file, so a
100,000-product catalog needs no more memory than a small one. The price of streaming is that a
fatal problem (truncated XML, a byte that fits no encoding, a file over the size limit) can only
be noticed when the reader gets there — *after* earlier articles were already yielded. Callers
must therefore buffer or write inside a transaction and keep the previous catalog when
:class:`~orderhub.formats.FormatError` is raised.
"""

from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from . import catalog_csv, catalog_messages
from .bmecat.reader import iter_bmecat
from .catalog import CatalogArticle, CatalogHeader, ImportIssue

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["CatalogReader", "Progress", "read_catalog"]

Progress = Callable[[int, int | None], None]
Source = str | os.PathLike[str] | BinaryIO | bytes

#: Progress is reported at most once per this many bytes (and once at the end).
PROGRESS_STEP = 1 << 20


class _MeteredRaw(io.RawIOBase):
    """A raw stream that counts bytes, reports progress and enforces ``max_bytes``."""

    def __init__(
        self,
        fileobj: BinaryIO,
        *,
        max_bytes: int | None,
        progress: Progress | None,
        total: int | None,
    ):
        self._file = fileobj
        self._max_bytes = max_bytes
        self._progress = progress
        self.total = total
        self.bytes_read = 0
        self._reported = 0
        self._finished = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer)
        data = self._file.read(len(view))
        if data is None:  # pragma: no cover - non-blocking streams are not supported
            data = b""
        if isinstance(data, str):
            raise TypeError("read_catalog() needs a binary file object (open it with 'rb')")
        n = len(data)
        view[:n] = data
        self.bytes_read += n
        if self._max_bytes is not None and self.bytes_read > self._max_bytes:
            raise catalog_messages.error("too_large", limit=self._max_bytes)
        if self._progress is not None and (
            (n == 0 and not self._finished) or self.bytes_read - self._reported >= PROGRESS_STEP
        ):
            self._reported = self.bytes_read
            self._finished = n == 0
            self._progress(self.bytes_read, self.total)
        return n


def _size_of(fileobj: BinaryIO) -> int | None:
    try:
        return os.fstat(fileobj.fileno()).st_size
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass
    try:
        if fileobj.seekable():
            here = fileobj.tell()
            end = fileobj.seek(0, io.SEEK_END)
            fileobj.seek(here)
            return end - here
    except (AttributeError, OSError, ValueError):
        pass
    return None


#: Reads items from the buffered stream and calls back with the header once known.
ItemsFactory = Callable[
    [BinaryIO, Callable[[CatalogHeader], None]], Iterator[CatalogArticle | ImportIssue]
]


class CatalogReader:
    """Iterator over the :class:`CatalogArticle` and :class:`ImportIssue` items of one file.

    ``header`` is ``None`` until known: after the first item was produced, or after
    :meth:`read_header` was called (which reads just far enough). Items come in file order.
    A :class:`~orderhub.formats.FormatError` may be raised at any point of the iteration.
    Use it as a context manager (or call :meth:`close`) to release a file opened from a path.
    """

    def __init__(
        self,
        items_factory: ItemsFactory,
        stream: io.BufferedReader[_MeteredRaw],
        raw: _MeteredRaw,
        *,
        owned_file: BinaryIO | None = None,
        format_name: str = "",
    ) -> None:
        self.header: CatalogHeader | None = None
        self.format_name = format_name  # "bmecat" | "csv"
        self._stream = stream
        self._raw = raw
        self._owned_file = owned_file
        self._buffer: deque[CatalogArticle | ImportIssue] = deque()
        self._items: Iterator[CatalogArticle | ImportIssue] = items_factory(
            stream, self._set_header
        )

    def _set_header(self, header: CatalogHeader) -> None:
        self.header = header

    @property
    def bytes_read(self) -> int:
        return self._raw.bytes_read

    @property
    def total_bytes(self) -> int | None:
        return self._raw.total

    def read_header(self) -> CatalogHeader:
        """Read until the header is known and return it; buffered items are not lost."""
        while self.header is None:
            try:
                self._buffer.append(next(self._items))
            except StopIteration:
                break
        if self.header is None:  # pragma: no cover - readers always set a header or raise
            raise catalog_messages.error("no_header")
        return self.header

    def __iter__(self) -> CatalogReader:
        return self

    def __next__(self) -> CatalogArticle | ImportIssue:
        if self._buffer:
            return self._buffer.popleft()
        try:
            return next(self._items)
        except StopIteration:
            self.close()
            raise

    def close(self) -> None:
        close = getattr(self._items, "close", None)
        if close is not None:
            close()
        if self._owned_file is not None:
            self._owned_file.close()
            self._owned_file = None

    def __enter__(self) -> CatalogReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


_SNIFF_BYTES = 4096


def _looks_like_xml(prefix: bytes) -> bool:
    if prefix.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 BOM: XML or a UTF-16 CSV
        text = prefix[2:].decode("utf-16-le" if prefix[:1] == b"\xff" else "utf-16-be", "ignore")
        return text.lstrip().startswith("<")
    if prefix.startswith(b"\xef\xbb\xbf"):
        prefix = prefix[3:]
    return prefix.lstrip().startswith(b"<")


def read_catalog(
    source: Source,
    *,
    strict: bool = False,
    max_bytes: int | None = None,
    progress: Progress | None = None,
    standards_dir: str | os.PathLike[str] | None = None,
) -> CatalogReader:
    """Open a partner catalog (BMEcat or CSV, detected from the first bytes) for streaming.

    ``source`` is a path, a binary file object or ``bytes``. ``strict`` validates BMEcat 2005
    against the official XSD (see :mod:`orderhub.formats.bmecat.schema`) and makes CSV row problems
    fatal. ``max_bytes`` limits the input size; ``progress(bytes_read, total)`` is called about
    once per MiB and at the end (``total`` is None when the size is unknown).

    Fatal problems raise :class:`~orderhub.formats.FormatError` — immediately when visible in
    the first bytes, otherwise during iteration (possibly after items were yielded).
    """
    owned = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        fileobj: BinaryIO = io.BytesIO(bytes(source))
    elif isinstance(source, (str, os.PathLike)):
        try:
            fileobj = owned = open(Path(source), "rb")
        except OSError as exc:
            raise catalog_messages.error("cannot_open", detail=exc.strerror or str(exc)) from None
    else:
        fileobj = source

    total = _size_of(fileobj)
    try:
        if max_bytes is not None and total is not None and total > max_bytes:
            raise catalog_messages.error("too_large", limit=max_bytes)
        raw = _MeteredRaw(fileobj, max_bytes=max_bytes, progress=progress, total=total)
        stream = io.BufferedReader(raw, buffer_size=64 * 1024)
        prefix = stream.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
        if not prefix.strip(b" \t\r\n\xef\xbb\xbf"):
            raise catalog_messages.error("empty_file")
    except BaseException:
        if owned is not None:
            owned.close()
        raise

    if _looks_like_xml(prefix):

        def factory(
            stream: BinaryIO, set_header: Callable[[CatalogHeader], None]
        ) -> Iterator[CatalogArticle | ImportIssue]:
            return iter_bmecat(stream, set_header, strict=strict, standards_dir=standards_dir)

        format_name = "bmecat"
    else:

        def factory(
            stream: BinaryIO, set_header: Callable[[CatalogHeader], None]
        ) -> Iterator[CatalogArticle | ImportIssue]:
            return catalog_csv.iter_csv(stream, set_header, strict=strict)

        format_name = "csv"
    return CatalogReader(factory, stream, raw, owned_file=owned, format_name=format_name)

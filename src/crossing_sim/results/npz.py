"""Reading the ``.npz`` files this project writes, quickly: what ``np.load`` reads, the same
arrays, without parsing each entry's header again.

Every entry of an ``.npz`` is a ``.npy`` file whose header is a Python literal; ``np.load``
parses it with :func:`ast.literal_eval` (about 40 us) for every entry it reads. A sweep of
many points reads thousands of batch files whose headers repeat (the same dtypes and shapes),
so :func:`read_npy` parses each distinct header once. It accepts what ``np.load`` accepts
with ``allow_pickle=False`` (format versions 1 to 3, C or Fortran order) and refuses, with a
ValueError, what it refuses and an entry whose size does not match its header.
"""

from __future__ import annotations

import ast
import functools
import io
import math
import struct
import zipfile
import zlib
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

__all__ = ["NpzEntries", "entry_bytes", "read_npy"]

_MAGIC = b"\x93NUMPY"


@functools.lru_cache(maxsize=4096)
def _header(text: bytes) -> tuple[np.dtype[Any], bool, tuple[int, ...]]:
    """A ``.npy`` header's dtype, order and shape (ValueError if it is not a valid one)."""
    try:
        fields = ast.literal_eval(text.decode("latin1"))
    except (SyntaxError, ValueError) as exc:
        raise ValueError(f"cannot parse the array header: {exc}") from None
    if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"}:
        raise ValueError(f"the array header is not a .npy header: {text[:80]!r}")
    shape, fortran = fields["shape"], fields["fortran_order"]
    if not (isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)
            and isinstance(fortran, bool)):
        raise ValueError(f"the array header has a bad shape or order: {text[:80]!r}")
    dtype = np.lib.format.descr_to_dtype(fields["descr"])
    if dtype.hasobject:
        raise ValueError("the array holds Python objects, which are not read (no pickles)")
    return dtype, fortran, shape


def read_npy(raw: bytes) -> np.ndarray[Any, Any]:
    """The array of a ``.npy`` file's bytes, as ``np.load`` gives it (writable, its own copy)."""
    if raw[:6] != _MAGIC or len(raw) < 10:
        raise ValueError("not a .npy entry (no magic string)")
    major = raw[6]
    if major == 1:
        start, size = 10, int.from_bytes(raw[8:10], "little")
    elif major in (2, 3):
        start, size = 12, int.from_bytes(raw[8:12], "little")
    else:
        raise ValueError(f"unknown .npy format version {major}")
    dtype, fortran, shape = _header(raw[start:start + size])
    count = math.prod(shape)
    data = memoryview(raw)[start + size:]
    if data.nbytes != count * dtype.itemsize:
        raise ValueError(f"the array should have {count * dtype.itemsize} bytes, "
                         f"not {data.nbytes}")
    array = np.frombuffer(bytearray(data), dtype=dtype, count=count)
    return array.reshape(shape[::-1]).transpose() if fortran else array.reshape(shape)


class NpzEntries:
    """An ``.npz`` file (a path or its bytes) read entry by entry, as ``np.load`` opens one:
    ``files`` names its entries, ``entries[name]`` reads one; use it as a context manager.

    The file is read whole (a batch file is small) and :mod:`zipfile` parses its directory;
    an entry is then taken straight from the bytes (:func:`entry_bytes`), without
    :mod:`zipfile`'s stream objects, which cost more than the decompression itself.
    """

    def __init__(self, source: Path | str | bytes) -> None:
        self._bytes = source if isinstance(source, bytes) else Path(source).read_bytes()
        self._zip = zipfile.ZipFile(io.BytesIO(self._bytes))
        self.files = [n.removesuffix(".npy") for n in self._zip.namelist()]

    def __getitem__(self, name: str) -> np.ndarray[Any, Any]:
        info = self._zip.getinfo(f"{name}.npy")
        raw = entry_bytes(self._bytes, info)
        if raw is None:  # not a plain entry, or damaged: zipfile reads it, or says why not
            try:
                raw = self._zip.read(info)
            except zlib.error as exc:
                raise ValueError(f"entry {name} is damaged ({exc})") from None
        return read_npy(raw)

    def __enter__(self) -> NpzEntries:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._zip.close()


_LOCAL = struct.Struct("<4s2xH18xHH")  # a local file header: signature, flags, name, extra
_SIGNATURE = b"PK\x03\x04"
_PLAIN = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_UTF8, _DESCRIPTOR = 0x800, 0x8  # the flags an entry taken from the bytes may have


def entry_bytes(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """The bytes of the entry ``info`` of the zip file ``data``, as ``ZipFile.read`` gives
    them, or None where that is not sure: an entry with a flag other than a UTF-8 name or
    a data descriptor (encrypted, patched), compressed otherwise than stored or deflated, a
    local header that is not the directory's, or data whose size or CRC-32 is not the
    directory's."""
    start = info.header_offset
    if info.flag_bits & ~(_UTF8 | _DESCRIPTOR) or info.compress_type not in _PLAIN or \
            start < 0 or start + _LOCAL.size > len(data):
        return None
    signature, flags, name_size, extra_size = _LOCAL.unpack_from(data, start)
    begin = start + _LOCAL.size + name_size + extra_size
    try:
        name = data[start + _LOCAL.size:start + _LOCAL.size + name_size].decode(
            "utf-8" if flags & _UTF8 else "cp437")
    except UnicodeDecodeError:
        return None
    if signature != _SIGNATURE or name != info.orig_filename:
        return None
    stored = memoryview(data)[begin:begin + info.compress_size]
    if stored.nbytes != info.compress_size:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        raw = bytes(stored)
    else:
        try:
            raw = zlib.decompress(stored, -zlib.MAX_WBITS, max(info.file_size, 1))
        except zlib.error:
            return None
    return raw if len(raw) == info.file_size and zlib.crc32(raw) == info.CRC else None

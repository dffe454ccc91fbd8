"""The project's .npz reader gives what np.load gives, and refuses what it refuses."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from crossing_sim.results.npz import NpzEntries, entry_bytes, read_npy

DTYPES = st.one_of(hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(), hnp.floating_dtypes(),
                   hnp.boolean_dtypes(),
                   st.just(np.dtype([("a", "<i8"), ("b", "<f8", (3,)), ("c", "?")])))


def npy_bytes(array: np.ndarray, version: tuple[int, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, version=version)
    return buffer.getvalue()


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)),
       st.booleans(), st.sampled_from([None, (1, 0), (2, 0), (3, 0)]))
def test_an_entry_reads_as_np_load_reads_it(array: np.ndarray, fortran: bool,
                                            version: tuple[int, int] | None) -> None:
    if fortran:
        array = np.asfortranarray(array)
    raw = npy_bytes(array, version)
    expected = np.load(io.BytesIO(raw))
    got = read_npy(raw)
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    assert got.tobytes(order="A") == expected.tobytes(order="A")
    assert got.flags.f_contiguous == expected.flags.f_contiguous
    assert got.flags.writeable
    got[...] = got  # its own memory: writing to it is allowed


def test_a_file_reads_entry_by_entry_as_np_load(tmp_path: Path) -> None:
    arrays = {"point": np.int64(3), "trips": np.arange(10.0).reshape(5, 2),
              "series": np.arange(24, dtype=np.uint16).reshape(2, 3, 4)}
    path = tmp_path / "b.npz"
    np.savez_compressed(path, **arrays)
    with NpzEntries(path) as ours, np.load(path) as theirs, \
            NpzEntries(path.read_bytes()) as from_bytes:
        assert ours.files == theirs.files == from_bytes.files
        for name in arrays:
            assert np.array_equal(ours[name], theirs[name])
            assert np.array_equal(from_bytes[name], theirs[name])
        with pytest.raises(KeyError):
            ours["missing"]


REFUSALS = {"magic": "no magic", "version": "version 9", "header": "cannot parse",
            "keys": "not a .npy header", "object": "Python objects", "short": "should have",
            "long": "should have"}


@pytest.mark.parametrize("damage", list(REFUSALS))
def test_what_np_load_refuses_is_refused(damage: str) -> None:
    raw = npy_bytes(np.arange(6.0))
    header_end = 10 + int.from_bytes(raw[8:10], "little")
    header = raw[10:header_end]
    if damage == "magic":
        raw = b"\x93NUMPX" + raw[6:]
    elif damage == "version":
        raw = raw[:6] + b"\x09" + raw[7:]
    elif damage == "header":
        raw = raw[:10] + header.replace(b"{", b"(", 1) + raw[header_end:]
    elif damage == "keys":
        raw = raw[:10] + header.replace(b"'shape'", b"'shapf'") + raw[header_end:]
    elif damage == "object":
        raw = npy_bytes(np.array([1, "a"], dtype=object))
    elif damage == "short":
        raw = raw[:-3]
    else:
        raw = raw + b"\0" * 8
    with pytest.raises(ValueError, match=REFUSALS[damage]):
        read_npy(raw)
    if damage != "long":  # np.load ignores bytes after the array
        with pytest.raises(ValueError):  # noqa: PT011 (numpy's own messages vary)
            np.load(io.BytesIO(raw))


def test_a_damaged_compressed_entry_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "b.npz"
    np.savez_compressed(path, series=np.arange(100_000) % 7)
    data = bytearray(path.read_bytes())
    data[200:240] = bytes(40)  # inside the deflated stream
    path.write_bytes(bytes(data))
    with NpzEntries(path) as entries, pytest.raises((ValueError, zipfile.BadZipFile)):
        entries["series"]


def zip_bytes(arrays: dict[str, np.ndarray], method: int, zip64: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method, compresslevel=1 if method else None) as zf:
        for name, value in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=zip64) as entry:
                np.lib.format.write_array(entry, value)
    return buffer.getvalue()


ARRAYS = st.dictionaries(
    st.sampled_from(["point", "record", "series", "trips"]),
    hnp.arrays(st.sampled_from([np.dtype(np.int64), np.dtype(np.uint16), np.dtype(np.float64)]),
               hnp.array_shapes(min_dims=0, max_dims=2, max_side=40),
               elements=st.integers(0, 9)), min_size=1)


@settings(max_examples=150, deadline=None)
@given(ARRAYS, st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]), st.booleans(),
       st.data())
def test_an_entry_taken_from_the_bytes_is_what_zipfile_reads(
        arrays: dict[str, np.ndarray], method: int, zip64: bool, data: st.DataObject) -> None:
    """Whole or damaged anywhere (one byte changed), an entry is either what ZipFile.read
    gives or left to zipfile (None): never bytes that zipfile would refuse or read otherwise.
    (Planted: the CRC check dropped, then the local name check dropped: each was caught.)"""
    raw = zip_bytes(arrays, method, zip64)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        for info in zf.infolist():
            assert entry_bytes(raw, info) == zf.read(info)
    at = data.draw(st.integers(0, len(raw) - 1))
    damaged = bytearray(raw)
    damaged[at] ^= data.draw(st.integers(1, 255))
    try:
        zf = zipfile.ZipFile(io.BytesIO(bytes(damaged)))
    except Exception:  # the directory itself is refused: no entry is read
        return
    with zf:
        for info in zf.infolist():
            ours = entry_bytes(bytes(damaged), info)
            try:
                theirs = zf.read(info)
            except Exception:  # zipfile refuses in many ways
                assert ours is None
            else:
                assert ours is None or ours == theirs

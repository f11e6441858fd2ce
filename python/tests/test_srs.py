"""A ceremony's SRS imported from Python, as `zkinfer srs import` does: checked before anything is
stored, and a file that fails the checks refused in one line."""

import struct
from pathlib import Path

import pytest

import zkinfer

# A snarkjs ceremony of 2^3 powers (robustness/fixtures/make.sh).
CEREMONY = Path(__file__).resolve().parents[2] / "robustness" / "fixtures" / "ceremony_p3.ptau"


def _section(data, wanted):
    """The offset of section ``wanted``'s data in a .ptau file (after "ptau", version, count)."""
    pos = 12
    while pos < len(data):
        sid, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if sid == wanted:
            return pos
        pos += size
    raise AssertionError(f"no section {wanted}")


def test_a_ceremony_is_imported_after_its_checks(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKINFER_CACHE", str(tmp_path / "cache"))
    got = zkinfer.import_srs(CEREMONY)
    assert got["k"] == 3 and "ceremony" in got["kind"] and Path(got["path"]).is_file()
    assert Path(got["path"]).is_relative_to(tmp_path / "cache")
    out = zkinfer.import_srs(CEREMONY, k=2, output=tmp_path / "k2.srs")
    assert out["k"] == 2 and Path(out["path"]) == tmp_path / "k2.srs" and out["hash"] != got["hash"]


def test_a_changed_ceremony_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKINFER_CACHE", str(tmp_path / "cache"))
    data = bytearray(CEREMONY.read_bytes())
    start = _section(bytes(data), 2)  # tauG1: the powers [tau^i]_1, 64 bytes each
    data[start + 64 + 5] ^= 1  # [tau]_1 changed
    bad = tmp_path / "bad.ptau"
    bad.write_bytes(bytes(data))
    with pytest.raises(zkinfer.ZkinferError) as e:
        zkinfer.import_srs(bad)
    assert "\n" not in str(e.value) and str(bad) in str(e.value)
    assert not (tmp_path / "cache" / "srs").exists() or not any((tmp_path / "cache" / "srs").iterdir())

"""State directory: the token file's permissions, the journal."""

from __future__ import annotations

import os
import stat

import pytest

from orderhub_connector.state import FileTokenStore, Journal, token_store


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_token_file_is_created_with_mode_0600(tmp_path):
    store = FileTokenStore(tmp_path / "state")
    store.save("secret-token")
    path = tmp_path / "state" / "token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.load() == "secret-token"
    assert not [p for p in path.parent.iterdir() if p.name != "token"]  # no temp left over


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_token_file_with_wide_permissions_is_replaced_by_0600(tmp_path):
    path = tmp_path / "token"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o644)
    FileTokenStore(tmp_path).save("new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") == "new\n"


def test_missing_token_reads_as_none_and_delete_is_quiet(tmp_path):
    store = FileTokenStore(tmp_path)
    assert store.load() is None
    store.delete()


def test_keyring_store_falls_back_to_file_when_keyring_is_missing(tmp_path, monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_keyring(name, *args, **kwargs):
        if name == "keyring":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_keyring)
    store = token_store("keyring", tmp_path, "http://portal")
    assert isinstance(store, FileTokenStore)
    assert "keyring" in capsys.readouterr().err


def test_journal_maps_ids_and_survives_a_torn_line(tmp_path):
    journal = Journal(tmp_path)
    journal.append("prepared", external_order_id="B-1", idempotency_key="k1")
    journal.append("answered", external_order_id="B-1", idempotency_key="k1", order_id="42")
    with open(journal.path, "a", encoding="utf-8") as fh:
        fh.write('{"event": "prep')  # a crash mid-write
    assert journal.portal_id_for("B-1") == "42"
    assert journal.external_id_for("42") == "B-1"
    assert journal.keys_for("B-1") == ["k1"]

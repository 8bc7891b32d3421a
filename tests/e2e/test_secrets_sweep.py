"""The secrets sweep itself (conftest.leaked_secrets), on files written here: it must find a
secret in any form Parley could write it, and skip only what it is told to."""

import base64
import urllib.parse

from conftest import leaked_secrets, remember_secret


def test_the_sweep_finds_a_secret_in_every_form_and_skips_only_the_providers_side(tmp_path):
    secret = remember_secret("sweep-test:AAH s3cret/token+1")
    (tmp_path / "data/demo").mkdir(parents=True)
    (tmp_path / "logs").mkdir()
    (tmp_path / "data/parley.sqlite-wal").write_bytes(b"\x00\x01page" + secret.encode() + b"\x00")
    (tmp_path / "logs/parley.log").write_text(
        "GET /bot" + urllib.parse.quote(secret, safe="") + "/getUpdates\n")
    (tmp_path / "data/header.txt").write_text(
        "Authorization: Basic " + base64.b64encode(secret.encode()).decode())
    (tmp_path / "data/clean.txt").write_text("nothing to see")
    (tmp_path / "data/demo/fake-state.json").write_text(secret)

    found = {path for path, s in leaked_secrets(tmp_path, skip=[tmp_path / "data/demo"]) if s == secret}
    assert found == {str(tmp_path / "data/parley.sqlite-wal"), str(tmp_path / "logs/parley.log"),
                     str(tmp_path / "data/header.txt")}, found

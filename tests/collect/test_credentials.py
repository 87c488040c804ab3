"""Credentials: environment first, then the keyring; a Secret never shows its value."""

from __future__ import annotations

import pickle

import pytest

from shailoo.collect.base import CredentialsError
from shailoo.collect.credentials import Credentials, Secret

VALUE = "tok-SECRET-123"


class FakeKeyring:
    def __init__(self, store=None, fail=False):
        self.store, self.fail = store or {}, fail

    def get_password(self, service, name):
        if self.fail:
            raise RuntimeError("no backend")
        return self.store.get((service, name))


def test_secret_is_redacted_everywhere():
    s = Secret(VALUE)
    for text in (repr(s), str(s), f"{s}", f"{s!r}", "%s" % s, repr([s]), repr({"k": s})):
        assert VALUE not in text
    assert s.reveal() == VALUE
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_environment_first_then_keyring():
    keyring = FakeKeyring({("shailoo", "vk_token"): "from-keyring", ("shailoo", "youtube_key"): "yt"})
    creds = Credentials({"SHAILOO_VK_TOKEN": VALUE}, keyring=keyring)
    assert creds.get("vk_token").reveal() == VALUE
    assert creds.get("youtube_key").reveal() == "yt"
    assert creds.get("telegram_api_id") is None
    assert VALUE not in repr(creds)


def test_a_broken_keyring_is_as_if_empty_and_the_message_says_how():
    creds = Credentials({}, keyring=FakeKeyring(fail=True))
    with pytest.raises(CredentialsError) as info:
        creds.require("telegram_api_hash", "Telegram API hash")
    assert "SHAILOO_TELEGRAM_API_HASH" in str(info.value) and "keyring set shailoo telegram_api_hash" in str(info.value)


def test_blank_environment_value_is_absent():
    assert Credentials({"SHAILOO_VK_TOKEN": "  "}, keyring=None).get("vk_token") is None


def test_credentials_are_never_in_the_workspace(workspace, monkeypatch):
    """Nothing in collect stores a credential: the workspace's files hold no value given to it."""
    monkeypatch.setenv("SHAILOO_VK_TOKEN", VALUE)
    from shailoo.collect.run import Options, collect

    collect(workspace, Options(platforms=["vk"]))  # no account registered: nothing due
    workspace.con.execute("CHECKPOINT")
    for path in workspace.path.rglob("*"):
        if path.is_file():
            assert VALUE.encode() not in path.read_bytes(), path

"""NIP-44 v2 against the published vectors (valid and invalid sets)."""

import hashlib
import json

import pytest
from coincurve import PrivateKey

from tests.conftest import SHARED
from tui.networks.nostr import nip44

VECTORS = json.loads((SHARED / "fixtures/nostr/nip44.vectors.json").read_text())["v2"]


def _pub(sec_hex: str) -> str:
    return PrivateKey(bytes.fromhex(sec_hex)).public_key_xonly.format().hex()


@pytest.mark.parametrize("v", VECTORS["valid"]["get_conversation_key"])
def test_conversation_key(v):
    assert (
        nip44.conversation_key(bytes.fromhex(v["sec1"]), v["pub2"]).hex() == v["conversation_key"]
    )


def test_message_keys():
    ck = bytes.fromhex(VECTORS["valid"]["get_message_keys"]["conversation_key"])
    for v in VECTORS["valid"]["get_message_keys"]["keys"]:
        chacha_key, chacha_nonce, hmac_key = nip44.message_keys(ck, bytes.fromhex(v["nonce"]))
        assert (chacha_key.hex(), chacha_nonce.hex(), hmac_key.hex()) == (
            v["chacha_key"],
            v["chacha_nonce"],
            v["hmac_key"],
        )


def test_padded_lengths():
    for n, padded in VECTORS["valid"]["calc_padded_len"]:
        assert nip44.padded_len(n) == padded


@pytest.mark.parametrize("v", VECTORS["valid"]["encrypt_decrypt"])
def test_encrypt_decrypt(v):
    ck = nip44.conversation_key(bytes.fromhex(v["sec1"]), _pub(v["sec2"]))
    assert ck.hex() == v["conversation_key"]
    assert nip44.conversation_key(bytes.fromhex(v["sec2"]), _pub(v["sec1"])) == ck
    assert nip44.encrypt(v["plaintext"], ck, bytes.fromhex(v["nonce"])) == v["payload"]
    assert nip44.decrypt(v["payload"], ck) == v["plaintext"]


def test_long_message_round_trip():
    for v in VECTORS["valid"]["encrypt_decrypt_long_msg"]:
        ck, nonce = bytes.fromhex(v["conversation_key"]), bytes.fromhex(v["nonce"])
        text = v["letter"] * v["repeat"]
        if len(text.encode()) > nip44.MAX_PLAINTEXT:
            with pytest.raises(nip44.Nip44Error):
                nip44.encrypt(text, ck, nonce)
            continue
        payload = nip44.encrypt(text, ck, nonce)
        if v.get("payload_checksum_sha256"):
            assert hashlib.sha256(payload.encode()).hexdigest() == v["payload_checksum_sha256"]
        assert nip44.decrypt(payload, ck) == text


@pytest.mark.parametrize("n", VECTORS["invalid"]["encrypt_msg_lengths"])
def test_invalid_plaintext_lengths(n):
    with pytest.raises(nip44.Nip44Error):
        nip44.encrypt("a" * n, bytes(32))


@pytest.mark.parametrize("n", VECTORS["invalid"]["decrypt_msg_lengths"])
def test_invalid_payload_lengths(n):
    with pytest.raises(nip44.Nip44Error):
        nip44.decrypt("a" * n, bytes(32))


@pytest.mark.parametrize("v", VECTORS["invalid"]["get_conversation_key"], ids=lambda v: v["note"])
def test_invalid_conversation_keys(v):
    with pytest.raises(nip44.Nip44Error):
        nip44.conversation_key(bytes.fromhex(v["sec1"]), v["pub2"])


@pytest.mark.parametrize("v", VECTORS["invalid"]["decrypt"], ids=lambda v: v["note"])
def test_invalid_payloads(v):
    with pytest.raises(nip44.Nip44Error):
        nip44.decrypt(v["payload"], bytes.fromhex(v["conversation_key"]))

"""NIP-19 / NIP-21 / NIP-49 vectors from the NIP texts, and key import."""

import pytest

from tui.networks.nostr import nip19, nip49
from tui.networks.nostr.keys import Keys, short_npub


def test_npub_vector_from_nip19():
    hexkey = "7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e"
    npub = "npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptg"
    assert nip19.npub(hexkey) == npub
    assert nip19.decode(npub) == nip19.Entity("npub", hexkey)


def test_nsec_vector_from_nip19_imports_as_keys():
    nsec = "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5"
    secret_hex = "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"
    keys = Keys.parse(nsec)
    assert keys.secret.hex() == secret_hex
    assert keys.nsec == nsec
    assert Keys.parse(secret_hex) == keys
    assert nsec not in repr(keys) and secret_hex not in repr(keys)


def test_nprofile_vector_from_nip19():
    text = (
        "nprofile1qqsrhuxx8l9ex335q7he0f09aej04zpazpl0ne2cgukyawd24mayt8gpp4mhxue69uhhytnc9e3k7mgpz4"
        "mhxue69uhkg6nzv9ejuumpv34kytnrdaksjlyr9p"
    )
    entity = nip19.decode(text)
    assert entity.kind == "nprofile"
    assert entity.hex == "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"
    assert entity.relays == ("wss://r.x.com", "wss://djbas.sadkb.com")
    assert nip19.nprofile(entity.hex, entity.relays) == text


def test_nevent_and_naddr_round_trip():
    eid, author = "ab" * 32, "cd" * 32
    ne = nip19.nevent(eid, ["wss://relay.example"], author=author, kind=1)
    assert nip19.decode(ne) == nip19.Entity("nevent", eid, ("wss://relay.example",), author, 1)
    na = nip19.naddr("my-article", author, 30023, ["wss://r"])
    assert nip19.decode(na) == nip19.Entity("naddr", "", ("wss://r",), author, 30023, "my-article")
    assert nip19.decode(nip19.note(eid)).hex == eid


def test_nostr_uris_refuse_nsec_and_garbage():
    keys = Keys.generate()
    assert nip19.parse_uri("nostr:" + keys.npub).hex == keys.public_hex
    with pytest.raises(ValueError):
        nip19.parse_uri("nostr:" + keys.nsec)
    with pytest.raises(ValueError):
        nip19.to_uri(keys.nsec)
    with pytest.raises(ValueError):
        nip19.decode(keys.npub[:-1] + ("q" if keys.npub[-1] != "q" else "p"))  # checksum
    with pytest.raises(ValueError):
        nip19.decode("npub1" + "q" * 6000)


def test_pubkey_from_accepts_hex_npub_nprofile():
    keys = Keys.generate()
    for form in (keys.public_hex, keys.npub, "nostr:" + keys.npub, nip19.nprofile(keys.public_hex)):
        assert nip19.pubkey_from(form) == keys.public_hex
    assert short_npub(keys.public_hex).startswith("npub1") and "…" in short_npub(keys.public_hex)


def test_nip49_vector_decrypts():
    text = (
        "ncryptsec1qgg9947rlpvqu76pj5ecreduf9jxhselq2nae2kghhvd5g7dgjtcxfqtd67p9m0w57lspw8gsq6yphnm"
        "8623nsl8xn9j4jdzz84zm3frztj3z7s35vpzmqf6ksu8r89qk5z2zxfmu5gv8th8wclt0h4p"
    )
    secret = nip49.decrypt(text, "nostr")
    assert secret.hex() == "3501454135014541350145413501453fefb02227e449e57cf4d3a3ce05378683"
    with pytest.raises(nip49.Nip49Error):
        nip49.decrypt(text, "wrong")


def test_nip49_round_trip_normalises_the_password():
    keys = Keys.generate()
    enc = nip49.encrypt(keys.secret, "\u212b\u2126\u1e9b\u0323", log_n=4)
    assert enc.startswith("ncryptsec1")
    assert nip49.decrypt(enc, "\u00c5\u03a9\u1e69") == keys.secret


async def test_keys_parse_async_asks_for_ncryptsec_password():
    keys = Keys.generate()
    enc = nip49.encrypt(keys.secret, "pw", log_n=4)

    async def password() -> str:
        return "pw"

    assert await Keys.parse_async(enc, password) == keys

"""NIP-17 private messages with nostr-sdk's own implementation, both ways, on a real relay."""

from __future__ import annotations

import json
import time

import nostr_sdk
import pytest

from tests.nostr.conftest import raw_publish, raw_query
from tui.model import Account, NetworkKind, NotificationKind
from tui.networks.nostr import nip17, nip44, nip59
from tui.networks.nostr.event import sign, verify_event
from tui.networks.nostr.keys import Keys
from tui.networks.nostr.network import NostrNetwork


def _net(keys: Keys, url: str) -> NostrNetwork:
    account = Account(
        name="me", network=NetworkKind.NOSTR, handle=keys.npub, options={"relays": [url]}
    )
    return NostrNetwork(account, {"nsec": keys.nsec})


def _ours(ev: nostr_sdk.Event):
    return verify_event(json.loads(ev.as_json()), check_future=False)


def _sdk_keys(keys: Keys) -> nostr_sdk.Keys:
    return nostr_sdk.Keys.parse(keys.nsec)


def _inbox_event(keys: nostr_sdk.Keys, url: str) -> nostr_sdk.Event:
    builder = nostr_sdk.EventBuilder(nostr_sdk.Kind(nip17.INBOX_KIND), "").tags(
        [nostr_sdk.Tag.parse(["relay", url])]
    )
    return keys.sign_event(builder.finalize_unsigned(keys.public_key()))


@pytest.mark.network
async def test_nostr_sdk_sends_murmur_reads(local_relay):
    me = Keys.generate()
    alice = nostr_sdk.Keys.generate()
    text = "héllo from nostr-sdk 👋"
    gift = nostr_sdk.nip17_make_private_msg(alice, nostr_sdk.PublicKey.parse(me.public_hex), text)
    assert (await raw_publish(local_relay.url, _ours(gift)))[0][2] is True

    async with _net(me, local_relay.url) as net:
        convs = await net.conversations()
        assert len(convs) == 1
        conv = convs[0]
        assert [a.uid for a in conv.participants] == ["nostr:" + alice.public_key().to_hex()]
        assert conv.last is not None and conv.last.content.text == text
        assert conv.unread
        messages = await net.conversation(conv.uid)
        assert [m.content.text for m in messages] == [text]
        assert messages[0].visibility == "direct" and "legacy" not in messages[0].ref

        page = await net.notifications()
        kinds = [(n.kind, n.post.content.text if n.post else "") for n in page.items]
        assert (NotificationKind.MESSAGE.value, text) in kinds

        await net.mark_conversation_read(conv.uid)
        assert not (await net.conversations())[0].unread


@pytest.mark.network
async def test_murmur_sends_nostr_sdk_reads(local_relay):
    me = Keys.generate()
    bob = nostr_sdk.Keys.generate()
    bob_hex = bob.public_key().to_hex()
    await raw_publish(local_relay.url, _ours(_inbox_event(bob, local_relay.url)))
    text = "a private hello from Murmur ✉"
    before = int(time.time())

    async with _net(me, local_relay.url) as net:
        sent = await net.send_message((bob.public_key().to_bech32(),), text)
        assert sent.content.text == text

    wraps = await raw_query(local_relay.url, {"kinds": [1059], "#p": [bob_hex]})
    assert len(wraps) == 1
    assert wraps[0]["pubkey"] != me.public_hex  # a throwaway key signs the wrap
    assert wraps[0]["created_at"] <= before + 1
    unwrapped = nostr_sdk.UnwrappedGift.from_gift_wrap(
        bob, nostr_sdk.Event.from_json(json.dumps(wraps[0]))
    )
    assert unwrapped.sender().to_hex() == me.public_hex
    assert unwrapped.rumor().content() == text
    assert unwrapped.rumor().kind().as_u16() == 14

    # A copy to myself, and my inbox relays published since I had none; never a kind 4.
    mine = await raw_query(local_relay.url, {"kinds": [1059], "#p": [me.public_hex]})
    assert len(mine) == 1
    inbox = await raw_query(local_relay.url, {"kinds": [10050], "authors": [me.public_hex]})
    assert [t for t in inbox[0]["tags"] if t[0] == "relay"] == [["relay", local_relay.url]]
    assert await raw_query(local_relay.url, {"kinds": [4], "authors": [me.public_hex]}) == []


@pytest.mark.network
async def test_group_conversation_both_ways(local_relay):
    me = Keys.generate()
    alice = nostr_sdk.Keys.generate()
    carol = nostr_sdk.Keys.generate()
    url = local_relay.url
    for k in (alice, carol):
        await raw_publish(url, _ours(_inbox_event(k, url)))
    others = {alice.public_key().to_hex(), carol.public_key().to_hex()}
    rumor = (
        nostr_sdk.EventBuilder(nostr_sdk.Kind(14), "hi both")
        .tags(
            [
                nostr_sdk.Tag.parse(["p", carol.public_key().to_hex()]),
                nostr_sdk.Tag.parse(["p", me.public_hex]),
            ]
        )
        .finalize_unsigned(alice.public_key())
    )
    gift = nostr_sdk.nip59_make_gift_wrap(alice, nostr_sdk.PublicKey.parse(me.public_hex), rumor)
    await raw_publish(url, _ours(gift))

    async with _net(me, url) as net:
        [conv] = await net.conversations()
        assert {a.uid.removeprefix("nostr:") for a in conv.participants} == others
        await net.send_message(conv, "hello group")

    for k in (alice, carol):
        wraps = await raw_query(url, {"kinds": [1059], "#p": [k.public_key().to_hex()]})
        opened = [
            nostr_sdk.UnwrappedGift.from_gift_wrap(k, nostr_sdk.Event.from_json(json.dumps(w)))
            for w in wraps
        ]
        replies = [u for u in opened if u.sender().to_hex() == me.public_hex]
        assert len(replies) == 1
        rumor_json = json.loads(replies[0].rumor().as_json())
        assert rumor_json["content"] == "hello group"
        assert {t[1] for t in rumor_json["tags"] if t[0] == "p"} == others


@pytest.mark.network
async def test_nip04_is_read_as_legacy(local_relay):
    me = Keys.generate()
    alice = nostr_sdk.Keys.generate()
    secret = alice.nip04_encrypt(nostr_sdk.PublicKey.parse(me.public_hex), "old style")
    legacy = sign(Keys.parse(alice.secret_key().to_hex()), 4, secret, [["p", me.public_hex]])
    await raw_publish(local_relay.url, legacy)
    async with _net(me, local_relay.url) as net:
        [conv] = await net.conversations()
        [msg] = await net.conversation(conv.uid)
        assert msg.content.text == "old style"
        assert "less private" in msg.ref["legacy"]


def test_unwrap_refuses_a_rumor_sealed_by_someone_else():
    me, alice, mallory = Keys.generate(), Keys.generate(), Keys.generate()
    forged = nip59.rumor(alice.public_hex, 14, "trust me", [["p", me.public_hex]])
    key = nip44.conversation_key(mallory.secret, me.public_hex)
    sealed = sign(mallory, 13, nip44.encrypt(json.dumps(forged.to_dict()), key))
    with pytest.raises(nip59.UnwrapError, match="impersonation"):
        nip59.unwrap(me, nip59.wrap(sealed, me.public_hex))


def test_our_gift_wraps_open_in_nostr_sdk_and_theirs_in_ours():
    me, bob = Keys.generate(), Keys.generate()
    _rumor, wraps = nip17.build(me, [bob.public_hex], "both ways")
    assert set(wraps) == {bob.public_hex, me.public_hex}
    opened = nostr_sdk.UnwrappedGift.from_gift_wrap(
        _sdk_keys(bob), nostr_sdk.Event.from_json(wraps[bob.public_hex].to_json())
    )
    assert opened.rumor().content() == "both ways"
    theirs = nostr_sdk.nip17_make_private_msg(
        _sdk_keys(bob), nostr_sdk.PublicKey.parse(me.public_hex), "back"
    )
    rumor, _seal = nip59.unwrap(me, _ours(theirs))
    assert rumor.content == "back" and rumor.pubkey == bob.public_hex


@pytest.mark.network
async def test_the_wrap_goes_to_the_recipients_inbox_relays(local_relay):
    """Bob reads private messages only on his inbox relay, which is not one of mine."""
    from tests.nostr.conftest import LocalRelay
    from tests.support import free_port

    inbox = LocalRelay(free_port())
    await inbox.start()
    try:
        me = Keys.generate()
        bob = nostr_sdk.Keys.generate()
        bob_hex = bob.public_key().to_hex()
        # His kind 10050 is where anyone finds it (my relay); it names his inbox relay.
        await raw_publish(local_relay.url, _ours(_inbox_event(bob, inbox.url)))
        async with _net(me, local_relay.url) as net:
            await net.send_message((bob.public_key().to_bech32(),), "to your inbox")
        [wrap] = await raw_query(inbox.url, {"kinds": [1059], "#p": [bob_hex]})
        opened = nostr_sdk.UnwrappedGift.from_gift_wrap(
            bob, nostr_sdk.Event.from_json(json.dumps(wrap))
        )
        assert opened.rumor().content() == "to your inbox"
        assert await raw_query(local_relay.url, {"kinds": [1059], "#p": [bob_hex]}) == []
    finally:
        inbox.stop()

"""`murmur export` as a person runs it: in a real pseudo-terminal, against the Mastodon contract
server and a real relay on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.cli.test_login_pty import Terminal
from tests.export.helpers import jsonl
from tests.nostr.conftest import raw_publish
from tests.support import free_port
from tui.networks.nostr.event import sign
from tui.networks.nostr.keys import Keys

pytestmark = pytest.mark.network

PASSWORD = "a long export password"


async def login_mastodon(amurmur, server) -> str:
    result = await amurmur("login", "mastodon", server.url, "--token-stdin", stdin="test-token\n")
    assert result.code == 0, result.err
    return result.out.split("logged in as ")[1].split()[0]


async def login_nostr(amurmur, keys: Keys, relay_url: str) -> str:
    before = await account_names(amurmur)
    result = await amurmur(
        "login", "nostr", "--key-stdin", "--relay", relay_url, stdin=keys.nsec + "\n"
    )
    assert result.code == 0, result.err
    (name,) = set(await account_names(amurmur)) - set(before)
    return name


async def account_names(amurmur) -> list[str]:
    listed = await amurmur("accounts", "--json")
    return [json.loads(line)["name"] for line in listed.out.splitlines()]


def folder_of(dest: Path, name: str) -> Path:
    from tui.export import folder_name

    return dest / folder_name(name)


async def test_export_with_keys_typed_at_the_terminal(amurmur, server, local_relay, tmp_path):
    keys = Keys.generate()
    await raw_publish(local_relay.url, sign(keys, 1, "from the terminal"))
    mastodon = await login_mastodon(amurmur, server)
    nostr = await login_nostr(amurmur, keys, local_relay.url)
    dest = tmp_path / "export"
    async with Terminal("export", "--keys", str(dest)) as term:
        await term.expect(rb"Password for the exported keys: ")
        term.type(PASSWORD + "\r")
        await term.expect(rb"The same password again: ")
        term.type(PASSWORD + "\r")
        code = await term.exit_code()
    output = term.output.decode()
    assert code == 0, output
    assert PASSWORD not in output
    assert "statuses: 1 page" in output
    assert f"{mastodon}: exported to {folder_of(dest, mastodon)}" in output
    assert f"{nostr}: exported to {folder_of(dest, nostr)}" in output

    from nostr_sdk import EncryptedSecretKey

    ncryptsec = (folder_of(dest, nostr) / "nostr_key.ncryptsec").read_text().strip()
    assert EncryptedSecretKey.from_bech32(ncryptsec).decrypt(PASSWORD).to_hex() == keys.secret.hex()
    posts = jsonl(folder_of(dest, nostr) / "posts.jsonl")
    assert [p["text"] for p in posts] == ["from the terminal"]
    assert (folder_of(dest, mastodon) / "following_accounts.csv").exists()


async def test_password_stdin_and_no_terminal(amurmur, local_relay, tmp_path):
    keys = Keys.generate()
    nostr = await login_nostr(amurmur, keys, local_relay.url)
    dest = tmp_path / "export"
    asked = await amurmur("export", "--keys", str(dest))
    assert asked.code == 2
    assert "--password-stdin" in asked.err
    assert not dest.exists()
    result = await amurmur("export", "--keys", "--password-stdin", str(dest), stdin=PASSWORD + "\n")
    assert result.code == 0, result.err
    assert (folder_of(dest, nostr) / "nostr_key.ncryptsec").exists()


async def test_one_failing_account_leaves_the_others_complete(amurmur, server, tmp_path):
    mastodon = await login_mastodon(amurmur, server)
    dead_relay = f"ws://127.0.0.1:{free_port()}"  # nothing listens there
    nostr = await login_nostr(amurmur, Keys.generate(), dead_relay)
    dest = tmp_path / "export"
    async with Terminal("export", str(dest)) as term:
        code = await term.exit_code(timeout=120)
    output = term.output.decode()
    assert code == 1, output
    assert "Traceback" not in output
    assert f"export failed for {nostr} (" in output
    assert f"{mastodon}: exported to" in output
    readme = (folder_of(dest, mastodon) / "README.txt").read_text()
    assert "INCOMPLETE" not in readme
    assert len(jsonl(folder_of(dest, mastodon) / "statuses.jsonl")) > 0
    failed_readme = (folder_of(dest, nostr) / "README.txt").read_text()
    assert "INCOMPLETE" in failed_readme and "--resume" in failed_readme


async def test_an_existing_export_is_refused_without_force(amurmur, server, tmp_path):
    mastodon = await login_mastodon(amurmur, server)
    dest = tmp_path / "export"
    first = await amurmur("export", str(dest))
    assert first.code == 0, first.err
    statuses = folder_of(dest, mastodon) / "statuses.jsonl"
    statuses.write_text("mine, do not touch\n")
    again = await amurmur("export", str(dest))
    assert again.code == 2
    assert "--resume" in again.err and "--force" in again.err
    assert statuses.read_text() == "mine, do not touch\n"
    forced = await amurmur("export", "--force", str(dest))
    assert forced.code == 0, forced.err
    assert "mine, do not touch" not in statuses.read_text()
    assert len(jsonl(statuses)) > 0


async def test_an_interrupted_export_resumes_without_duplicates(amurmur, server, tmp_path):
    alice = server.world.by_username("alice")
    for n in range(100):
        server.routes.make_status(alice.id, f"status {n}")
    mine = {s.id for s in server.world.statuses.values() if s.account == alice.id}
    mastodon = await login_mastodon(amurmur, server)
    path = f"/api/v1/accounts/{alice.id}/statuses"
    pages = 0
    never = asyncio.Event()

    async def stall_third_page(req) -> None:
        nonlocal pages
        pages += 1
        if pages == 3:
            await never.wait()  # the export is interrupted while it waits for this page

    server.hooks[path].append(stall_third_page)
    dest = tmp_path / "export"
    async with Terminal("export", str(dest)) as term:
        await term.expect(rb"statuses: 2 pages, 80 items")
        term.type("\x03")  # ctrl+c
        code = await term.exit_code()
    assert code == 130, term.output.decode()
    statuses = folder_of(dest, mastodon) / "statuses.jsonl"
    assert len(jsonl(statuses)) == 80
    with statuses.open("a") as f:
        f.write('{"id": "cut sho')  # a line the interruption cut short

    server.hooks[path].clear()
    refused = await amurmur("export", str(dest))
    assert refused.code == 2
    resumed = await amurmur("export", "--resume", str(dest))
    assert resumed.code == 0, resumed.err
    ids = [s["id"] for s in jsonl(statuses)]
    assert len(ids) == len(set(ids)) == len(mine)
    assert set(ids) == mine
    posts = jsonl(folder_of(dest, mastodon) / "posts.jsonl")
    assert len(posts) == len({p["server_id"] for p in posts}) == len(mine)
    # The resumed run met what the first one wrote and went on below it, not from the top.
    assert sum(1 for r in server.received if r.path == path) <= pages + 4


async def test_usage_errors_say_what_to_do(amurmur, server, tmp_path):
    help_text = await amurmur("--help")
    assert "export" in help_text.out
    nothing = await amurmur("export", str(tmp_path / "x"))
    assert nothing.code == 2 and "murmur login" in nothing.err
    await login_mastodon(amurmur, server)
    unknown = await amurmur("export", "--account", "nobody", str(tmp_path / "x"))
    assert unknown.code == 2 and "nobody" in unknown.err
    both = await amurmur("export", "--force", "--resume", str(tmp_path / "x"))
    assert both.code == 2
    stray = await amurmur("export", "--password-stdin", str(tmp_path / "x"))
    assert stray.code == 2 and "--keys" in stray.err
    assert not (tmp_path / "x").exists()

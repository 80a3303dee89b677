"""The running session: configured accounts, their networks, the cache and the outbox.

Both the app and the CLI drive networks through this class, so that concurrency (every account at
once: wall time is the slowest server, not the sum) and the outbox rule (a post is stored before it
is sent and leaves only when a server confirms) live in one place. No Textual here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tui.model import Account, Draft, FeedRef, Item, NotificationItem, Page
from tui.networks.base import (
    LoginResult,
    Network,
    NetworkError,
    NotFound,
    Transient,
    Unsupported,
    create,
)

if TYPE_CHECKING:
    from tui.store.cache import Cache, OutboxEntry
    from tui.store.config import Config
    from tui.store.vault import Vault

OPEN_TIMEOUT = 30.0
FETCH_TIMEOUT = 45.0
SEND_TIMEOUT = 120.0

OutboxListener = Callable[["OutboxEntry"], None]


def feed_key(account: str, feed: FeedRef) -> str:
    """The cache key of one account's feed."""
    return f"{account}|{feed}"


class Session:
    def __init__(
        self,
        config: Config,
        cache: Cache | None = None,
        networks: Mapping[str, Network] | None = None,
        vault: Vault | None = None,
    ) -> None:
        self.config = config
        self.cache = cache
        self.vault = vault
        self.networks: dict[str, Network] = dict(networks or {})
        self.errors: dict[str, Exception] = {}
        self._opened: set[str] = set()
        self._preset_passphrase: str | None = None
        self._send_lock = asyncio.Lock()

    # ----- accounts and secrets ---------------------------------------------------------------
    @property
    def accounts(self) -> list[Account]:
        known = {a.name: a for a in self.config.accounts}
        for name, network in self.networks.items():
            known.setdefault(name, network.account)
        return list(known.values())

    @property
    def needs_passphrase(self) -> bool:
        """True while configured accounts have no network because the vault is still locked."""
        return self.vault is None and any(a.name not in self.networks for a in self.config.accounts)

    def preset_passphrase(self, passphrase: str) -> None:
        """Remember a passphrase from the environment, to unlock once the first screen is up."""
        self._preset_passphrase = passphrase

    @property
    def has_preset_passphrase(self) -> bool:
        return self._preset_passphrase is not None

    async def unlock(self, passphrase: str | None) -> None:
        """Open the vault (key derivation runs off the event loop) and create missing networks.

        `None` uses the preset passphrase. A wrong one raises WrongPassphrase and is forgotten.
        """
        from tui.store import paths
        from tui.store.vault import Vault

        if self.vault is None:
            passphrase = passphrase if passphrase is not None else self._preset_passphrase
            self._preset_passphrase = None
            if passphrase is None:
                raise ValueError("a passphrase is needed to open the vault")
            self.vault = await Vault.unlock(paths.vault_file(), passphrase)
        self._create_networks()

    def _create_networks(self) -> None:
        for account in self.config.accounts:
            if account.name in self.networks:
                continue
            secrets = self.vault.get(account.name) if self.vault is not None else {}
            try:
                self.networks[account.name] = create(
                    account, secrets, save_credentials=self._saver(account.name)
                )
            except NetworkError as exc:
                self.errors[account.name] = exc

    def _saver(self, name: str) -> Callable[[Mapping[str, str]], Any]:
        async def save(secrets: Mapping[str, str]) -> None:
            if self.vault is not None:
                await self.vault.set(name, dict(secrets))

        return save

    async def add_account(self, result: LoginResult) -> Network:
        """Persist a login: secrets to the vault first, then the account to config."""
        from tui.store.config import add_account, update_config

        if self.vault is not None:
            await self.vault.set(result.account.name, dict(result.secrets))
        # Re-read and edit under the file's lock: a concurrent login keeps its account too.
        self.config = update_config(lambda c: add_account(c, result.account), self.config.path)
        network = create(
            self.config.account(result.account.name),
            result.secrets,
            save_credentials=self._saver(result.account.name),
        )
        self.networks[result.account.name] = network
        return network

    def network_for(self, account_name: str) -> Network:
        try:
            return self.networks[account_name]
        except KeyError:
            error = self.errors.get(account_name)
            if isinstance(error, NetworkError):
                raise error from None
            raise NotFound(f"no account named {account_name!r}") from None

    def _select(self, accounts: Iterable[str] | None) -> list[str]:
        if accounts is None:
            return list(self.networks)
        chosen = list(accounts)
        for name in chosen:
            self.network_for(name)
        return chosen

    # ----- lifecycle -------------------------------------------------------------------------
    async def open_all(self, accounts: Iterable[str] | None = None) -> dict[str, Exception | None]:
        names = [n for n in self._select(accounts) if n not in self._opened]

        async def open_one(name: str) -> Exception | None:
            try:
                await asyncio.wait_for(self.networks[name].open(), OPEN_TIMEOUT)
            except TimeoutError:
                error: Exception = Transient(f"no answer within {OPEN_TIMEOUT:.0f} s", account=name)
            except NetworkError as exc:
                error = exc
            else:
                self._opened.add(name)
                self.errors.pop(name, None)
                return None
            self.errors[name] = error
            return error

        results = await asyncio.gather(*(open_one(n) for n in names))
        return dict(zip(names, results))

    async def close_all(self) -> None:
        await asyncio.gather(*(n.close() for n in self.networks.values()), return_exceptions=True)
        self._opened.clear()
        if self.cache is not None:
            self.cache.close()

    # ----- reading ---------------------------------------------------------------------------
    async def _each(self, names: list[str], call: Callable[[Network], Any]) -> dict[str, Any]:
        await self.open_all(names)

        async def one(name: str) -> Any:
            if name in self.errors and name not in self._opened:
                return self.errors[name]
            try:
                return await asyncio.wait_for(call(self.networks[name]), FETCH_TIMEOUT)
            except TimeoutError:
                return Transient(f"no answer within {FETCH_TIMEOUT:.0f} s", account=name)
            except NetworkError as exc:
                return exc

        results = await asyncio.gather(*(one(n) for n in names))
        return dict(zip(names, results))

    async def fetch(
        self,
        feed: FeedRef,
        accounts: Iterable[str] | None = None,
        cursors: Mapping[str, str | None] | None = None,
        limit: int = 40,
    ) -> dict[str, Page[Item] | Exception]:
        """One page of `feed` from each chosen account, concurrently; errors come back as values."""
        cursors = cursors or {}
        names = self._select(accounts)
        results = await self._each(
            names, lambda n: n.timeline(feed, cursors.get(n.account.name), limit)
        )
        if self.cache is not None:
            for name, page in results.items():
                if isinstance(page, Page) and not cursors.get(name):
                    self.cache.save_posts(feed_key(name, feed), page.items)
        return results

    async def fetch_notifications(
        self,
        accounts: Iterable[str] | None = None,
        cursors: Mapping[str, str | None] | None = None,
        limit: int = 40,
    ) -> dict[str, Page[NotificationItem] | Exception]:
        cursors = cursors or {}
        names = self._select(accounts)
        results = await self._each(
            names, lambda n: n.notifications(cursors.get(n.account.name), limit)
        )
        if self.cache is not None:
            for page in results.values():
                if isinstance(page, Page):
                    self.cache.save_notifications(page.items)
        return results

    def cached_posts(self, key: str, limit: int = 200) -> list[Item]:
        return self.cache.load_posts(key, limit) if self.cache is not None else []

    def save_posts(self, key: str, items: Iterable[Item]) -> None:
        if self.cache is not None:
            self.cache.save_posts(key, items)

    feed_key = staticmethod(feed_key)

    # ----- writing: the outbox ---------------------------------------------------------------
    def _targets(self, draft: Draft) -> Draft:
        targets = (
            draft.targets
            or tuple(self.config.compose.default_accounts)
            or tuple(a.name for a in self.accounts[:1])
        )
        if not targets:
            raise Unsupported("no account to post from: log in first")
        for name in targets:
            self.network_for(name)
        return replace(draft, targets=tuple(targets))

    async def send(
        self, draft: Draft, on_update: OutboxListener | None = None
    ) -> list[OutboxEntry]:
        """Store the draft in the outbox (one entry per target), then publish to every target.

        Returns the entries in their final states. An entry stays in the outbox until its server
        confirms, then is removed; failed entries stay, to be retried with `retry`.
        """
        if self.cache is None:
            raise Unsupported("sending needs the cache (outbox)")
        draft = self._targets(draft)
        entries = self.cache.enqueue(draft)
        for entry in entries:
            _notify(on_update, entry)
        return list(await asyncio.gather(*(self._deliver(e, on_update) for e in entries)))

    async def _deliver(self, entry: OutboxEntry, on_update: OutboxListener | None) -> OutboxEntry:
        assert self.cache is not None
        cache = self.cache
        cache.mark_sending(entry.id)
        _notify(on_update, self._entry(entry.id))
        try:
            network = self.network_for(entry.account)
            await self.open_all([entry.account])
            if entry.account in self.errors and entry.account not in self._opened:
                raise self.errors[entry.account]
            draft = replace(entry.draft, idempotency_key=entry.draft.idempotency_key or entry.id)
            post = await asyncio.wait_for(network.publish(draft), SEND_TIMEOUT)
        except TimeoutError:
            cache.mark_failed(entry.id, f"no answer within {SEND_TIMEOUT:.0f} s")
        except NetworkError as exc:
            cache.mark_failed(entry.id, str(exc))
        except OSError as exc:  # a media file that vanished, a socket error below the adapter
            cache.mark_failed(entry.id, f"{type(exc).__name__}: {exc}")
        else:
            cache.mark_sent(entry.id, post.uid)
        final = self._entry(entry.id)
        if final.state == "sent":  # confirmed by the server: it leaves the outbox
            cache.remove(entry.id)
        _notify(on_update, final)
        return final

    def _entry(self, entry_id: str) -> OutboxEntry:
        assert self.cache is not None
        entry = self.cache.entry(entry_id)
        if entry is None:
            raise NotFound(f"no outbox entry {entry_id}")
        return entry

    async def retry(self, entry_id: str, on_update: OutboxListener | None = None) -> OutboxEntry:
        return await self._deliver(self._entry(entry_id), on_update)

    async def deliver_pending(self, on_update: OutboxListener | None = None) -> list[OutboxEntry]:
        """Send whatever a previous run left queued (crash, network loss)."""
        pending = [e for e in self.pending() if e.state == "queued" and e.account in self.networks]
        return list(await asyncio.gather(*(self._deliver(e, on_update) for e in pending)))

    def pending(self) -> list[OutboxEntry]:
        if self.cache is None:
            return []
        return self.cache.outbox(states=("queued", "sending", "failed"))


def _notify(listener: OutboxListener | None, entry: OutboxEntry) -> None:
    if listener is not None:
        listener(entry)

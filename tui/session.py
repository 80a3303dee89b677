"""The running session: configured accounts, their networks, the cache and the outbox.

Both the app and the CLI drive networks through this class, so that concurrency (every account at
once: wall time is the slowest server, not the sum) and the outbox rule (a post is stored before it
is sent and leaves only when a server confirms) live in one place. No Textual here.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tui.model import Account, FeedRef, Item, NotificationItem, Page
from tui.networks.base import (
    AuthError,
    Capability,
    LoginResult,
    Network,
    NetworkError,
    NotFound,
    RateLimited,
    Transient,
    Unsupported,
    create,
    prepare,
)


@dataclass
class Answers:
    """What `Session.ask_each` gathered from several accounts."""

    found: list[tuple[str, Any]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    unsupported: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return [f"{name}: {sentence}" for name, sentence in self.failed]

    @property
    def notes(self) -> list[str]:
        """Failures, then what a network cannot do: one "account: sentence" each."""
        return [*self.failures, *(f"{name}: {sentence}" for name, sentence in self.unsupported)]


if TYPE_CHECKING:
    from tui.model import Draft, PollDraft  # loaded on first use
    from tui.store.cache import Cache, OutboxEntry
    from tui.store.config import Config
    from tui.store.vault import Vault

OPEN_TIMEOUT = 30.0
FETCH_TIMEOUT = 45.0
SEND_TIMEOUT = 120.0

OutboxListener = Callable[["OutboxEntry"], None]
# Statuses a server answers again to the same post: retrying cannot help, the post needs an edit.
# 408 (timeout) and 429 (rate limit) are about timing, not the post.
_RETRY_STATUSES = frozenset({408, 429})


# Someone a direct message can go to: @user, @user@server, an npub or nprofile.
_ADDRESSED = re.compile(r"(?<![\w/])@[\w.-]+|\b(?:npub1|nprofile1)[02-9ac-hj-np-z]{6,}")


class DraftRefused(Exception):
    """A draft that must not be sent as it is: over a target's limit, or asking for a
    visibility a target's network does not have (sending would widen who can read it).
    `str()` names each account and why, as a sentence for the user."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class SendCancelled(Exception):
    """The user took the post back during its undo window: nothing reached a server and the
    outbox no longer holds it. `draft` is what they wrote."""

    def __init__(self, draft: Draft) -> None:
        super().__init__("the post was not sent")
        self.draft = draft


class Hold:
    """A wait before something leaves (a post, a delete) that the user may cancel: `wait()`
    says whether to go ahead. `seconds` <= 0 waits for nothing and cannot be cancelled."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.waiting = seconds > 0  # cancellable until the wait is over
        self._cancelled = False
        self._event: asyncio.Event | None = None

    def cancel(self) -> bool:
        """Stop it, if it still waits. False: too late, it has gone out (or is going)."""
        if not self.waiting:
            return False
        self.waiting = False
        self._cancelled = True
        if self._event is not None:
            self._event.set()
        return True

    async def wait(self) -> bool:
        """Wait out the window; True to go ahead, False when cancelled."""
        if self.waiting:
            self._event = asyncio.Event()
            try:
                await asyncio.wait_for(self._event.wait(), self.seconds)
            except TimeoutError:
                pass  # the window passed: go ahead
        self.waiting = False
        return not self._cancelled


def needs_edit(error: Exception) -> bool:
    """Whether a failed send was a rejection of the post itself, which a retry would repeat."""
    if isinstance(error, (AuthError, RateLimited, Transient)):
        return False  # log in again, wait, or try later: the post itself is fine
    if isinstance(error, (NotFound, Unsupported)):
        return True  # the reply target is gone, or the network cannot take this post
    status = error.status if isinstance(error, NetworkError) else 0
    return 400 <= status < 500 and status not in _RETRY_STATUSES


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
        self._preset_vault: Vault | None = None
        self._send_lock = asyncio.Lock()
        self._change_listeners: list[Callable[[], None]] = []
        self._held: set[str] = set()  # outbox entries in their undo window: not to be retried
        if config.accounts:  # on another core while the app paints (or a command imports)
            from tui.networks import tls

            tls.load_soon()

    # ----- change listeners -------------------------------------------------------------------
    def on_networks_changed(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever networks appear or open (their limits and capabilities may
        have changed). Returns a function that removes the listener."""
        self._change_listeners.append(listener)
        return lambda: self._change_listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._change_listeners):
            listener()

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

    def preset_vault(self, vault: Vault) -> None:
        """Remember a vault the key agent opened, to adopt once the first screen is up."""
        self._preset_vault = vault

    @property
    def has_preset_passphrase(self) -> bool:
        return self._preset_passphrase is not None or self._preset_vault is not None

    def _agent_idle(self) -> int | None:
        """Seconds the key agent keeps the vault key, or None when config turns it off."""
        agent = self.config.agent
        return agent.idle_minutes * 60 if agent.enabled else None

    async def unlock_from_agent(self) -> bool:
        """Open the vault with the key agent's key, when it holds one: no passphrase asked."""
        from tui.store import paths
        from tui.store.vault import Vault

        if self.vault is None and self.config.agent.enabled:
            self.vault = await asyncio.to_thread(Vault.from_agent, paths.vault_file())
        if self.vault is None:
            return False
        await self._prepare_networks()
        self._create_networks()
        return True

    async def unlock(self, passphrase: str | None) -> None:
        """Open the vault (key derivation runs off the event loop) and create missing networks.

        `None` uses the preset passphrase. A wrong one raises WrongPassphrase and is forgotten.
        """
        from tui.store import paths
        from tui.store.vault import Vault

        if self.vault is None and passphrase is None and self._preset_vault is not None:
            self.vault, self._preset_vault = self._preset_vault, None
        if self.vault is None:
            passphrase = passphrase if passphrase is not None else self._preset_passphrase
            self._preset_passphrase = None
            if passphrase is None:
                raise ValueError("a passphrase is needed to open the vault")
            self.vault = await Vault.unlock(
                paths.vault_file(), passphrase, agent_idle=self._agent_idle()
            )
        await self._prepare_networks()
        self._create_networks()

    async def _prepare_networks(self) -> None:
        """Import the adapters and load the TLS roots, on the event loop: the app starts them
        once the cached timeline is painted, and in a thread they only took turns with the loop
        for the GIL, finishing later (and at a higher cost) than here."""
        kinds = {a.network for a in self.config.accounts if a.name not in self.networks}
        if kinds:
            prepare(kinds)

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
        self._changed()

    def _saver(self, name: str) -> Callable[[Mapping[str, str]], Any]:
        async def save(secrets: Mapping[str, str]) -> None:
            if self.vault is not None:
                await self.vault.set(name, dict(secrets))

        return save

    async def add_account(self, result: LoginResult) -> Network:
        """Persist a login: secrets to the vault first, then the account to config."""
        from tui.store.config_edit import add_account, update_config

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
        self._changed()
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
        if names:
            self._changed()
        return dict(zip(names, results))

    async def ask_each(
        self,
        ask: Callable[[Network], Awaitable[Iterable[Any]]],
        accounts: Iterable[str] | None = None,
    ) -> Answers:
        """Ask every account of `accounts` (all by default), opened first, concurrently: what
        each answered as (account, item) pairs in account order; and, as (account, sentence),
        those that did not open or answered with a NetworkError (`failed`) and those whose
        network cannot do it (`unsupported`). Anything else is a bug: raised."""
        names = self._select(accounts)
        opened = await self.open_all(names)
        answers = Answers()
        live = []
        for name in names:
            error = opened.get(name)
            if error is None:
                live.append(name)
            else:
                answers.failed.append((name, getattr(error, "message", "") or str(error)))
        results = await asyncio.gather(
            *(ask(self.networks[name]) for name in live), return_exceptions=True
        )
        for name, result in zip(live, results, strict=True):
            if isinstance(result, Unsupported):
                answers.unsupported.append((name, result.message))
            elif isinstance(result, NetworkError):
                answers.failed.append((name, result.message))
            elif isinstance(result, BaseException):
                raise result
            else:
                answers.found += [(name, item) for item in result]
        return answers

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

    def check_draft(self, draft: Draft) -> list[str]:
        """What stops `draft` from going to its targets as it is, one sentence per problem.

        Limits are the ones each network knows now (a server's own once it is open).
        """
        problems: list[str] = []
        visibility = draft.visibility or "public"
        if visibility == "direct" and draft.reply_to is None and not _ADDRESSED.search(draft.text):
            problems.append(
                "a direct message goes to the people its text mentions: mention someone "
                "(@user@server, npub1…); nothing was sent"
            )
        if self.config.compose.require_alt_text:
            bare = sum(1 for m in draft.media if not m.alt.strip())
            if bare:
                problems.append(
                    f"{bare} attachment{'s' if bare > 1 else ''} without alt text: describe "
                    "every attachment ([compose] require_alt_text is on); nothing was sent"
                )
        for name in draft.targets:
            network = self.networks.get(name)
            if network is None:
                continue
            limits = network.limits
            length = limits.count(draft.text, draft.content_warning)
            if length > limits.max_chars:
                problems.append(
                    f"{name}: {length} characters, {length - limits.max_chars} over "
                    f"its limit of {limits.max_chars}"
                )
            if draft.poll is not None:
                problems += poll_problems(name, network, draft.poll)
            if draft.scheduled_at is not None and not network.supports(Capability.SCHEDULE):
                problems.append(
                    f"{name}: {network.kind.value.capitalize()} has no scheduled posts; "
                    "nothing was sent (post it now, or leave this account out)"
                )
            if visibility == "public":
                continue
            if (
                visibility == "direct"
                and limits.messages
                and not network.supports(Capability.DIRECT)
            ):
                continue  # sent as a private message to the people mentioned (Nostr NIP-17)
            wanted = Capability.DIRECT if visibility == "direct" else Capability.VISIBILITY
            if not network.supports(wanted):
                label = {"private": "followers-only"}.get(visibility, visibility)
                problems.append(
                    f"{name}: {network.kind.value.capitalize()} has no {label} posts, so it "
                    "would be public; nothing was sent (post it as public, or leave this "
                    "account out)"
                )
        return problems

    async def send(
        self, draft: Draft, on_update: OutboxListener | None = None, *, hold: Hold | None = None
    ) -> list[OutboxEntry]:
        """Store the draft in the outbox (one entry per target), then publish to every target.

        With a `hold`, the entries wait in the outbox for its window first; cancelling it takes
        them out again and raises SendCancelled (nothing was sent). Refuses (DraftRefused)
        before storing anything when a target cannot take the draft as it is. Returns the
        entries in their final states. An entry stays in the outbox until its
        server confirms, then is removed; failed entries stay, to be retried with `retry`.
        """
        if self.cache is None:
            raise Unsupported("sending needs the cache (outbox)")
        draft = self._targets(draft)
        await self.open_all(draft.targets)  # a server's own limits are known once it is open
        problems = self.check_draft(draft)
        if problems:
            raise DraftRefused(problems)
        entries = self.cache.enqueue(draft)
        for entry in entries:
            _notify(on_update, entry)
        if hold is not None:
            ids = {e.id for e in entries}
            self._held |= ids
            try:
                go = await hold.wait()
            finally:
                self._held -= ids
            if not go:
                for entry in entries:
                    self.cache.remove(entry.id)
                raise SendCancelled(draft)
        return list(await asyncio.gather(*(self._deliver(e, on_update) for e in entries)))

    async def _deliver(self, entry: OutboxEntry, on_update: OutboxListener | None) -> OutboxEntry:
        assert self.cache is not None
        cache = self.cache
        try:
            cache.mark_sending(entry.id)
        except (KeyError, ValueError):
            # Another run (the app and the CLI share the outbox) claimed it first, or it is
            # gone: sending it here too could post it twice.
            current = cache.entry(entry.id)
            return current if current is not None else replace(entry, state="sent")
        _notify(on_update, self._entry(entry.id))
        post = None
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
            cache.mark_failed(entry.id, str(exc), needs_edit=needs_edit(exc))
        except OSError as exc:  # a media file that vanished, a socket error below the adapter
            cache.mark_failed(entry.id, f"{type(exc).__name__}: {exc}", needs_edit=True)
        else:
            cache.mark_sent(entry.id, post.uid)
        final = self._entry(entry.id)
        if final.state == "sent":  # confirmed by the server: it leaves the outbox
            cache.remove(entry.id)
            final = replace(final, post=post)
        _notify(on_update, final)
        return final

    def _entry(self, entry_id: str) -> OutboxEntry:
        assert self.cache is not None
        entry = self.cache.entry(entry_id)
        if entry is None:
            raise NotFound(f"no outbox entry {entry_id}")
        return entry

    async def retry(self, entry_id: str, on_update: OutboxListener | None = None) -> OutboxEntry:
        """Send one entry again, with the idempotency key it was given when it was queued."""
        entry = self._entry(entry_id)
        if entry.needs_edit:
            raise DraftRefused(
                [f"{entry.account}: the server rejected this post ({entry.error}); edit it first"]
            )
        return await self._deliver(entry, on_update)

    async def deliver_pending(self, on_update: OutboxListener | None = None) -> list[OutboxEntry]:
        """Send whatever a previous run left queued or failed for a passing reason."""
        waiting = [e for e in self.retryable() if e.account in self.networks]
        return list(await asyncio.gather(*(self._deliver(e, on_update) for e in waiting)))

    def pending(self) -> list[OutboxEntry]:
        """Every entry not yet confirmed, oldest first."""
        if self.cache is None:
            return []
        return self.cache.outbox(states=("queued", "sending", "failed"))

    def retryable(self) -> list[OutboxEntry]:
        """Entries worth sending again without an edit: queued, or failed for a passing reason."""
        return [e for e in self.pending() if e.retryable and e.id not in self._held]

    def drop(self, entry_id: str) -> OutboxEntry:
        """Take an entry out of the outbox for good (the user decided not to send it)."""
        entry = self._entry(entry_id)
        if entry.state == "sending":
            raise DraftRefused([f"{entry.account}: this post is being sent right now"])
        assert self.cache is not None
        self.cache.remove(entry_id)
        return entry

    def find_entry(self, prefix: str) -> OutboxEntry:
        """An entry by its id or an unambiguous start of it (as `murmur outbox` shows them)."""
        prefix = prefix.strip().lower()
        matches = [e for e in self.pending() if e.id.startswith(prefix)] if prefix else []
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFound(f"no outbox entry {prefix!r} (see `murmur outbox`)")
        raise NotFound(f"{prefix!r} names {len(matches)} outbox entries: give more of the id")


def _notify(listener: OutboxListener | None, entry: OutboxEntry) -> None:
    if listener is not None:
        listener(entry)


def poll_problems(name: str, network: Network, poll: PollDraft) -> list[str]:
    """What stops `poll` from going out from account `name`, one sentence per problem."""
    limits = network.limits
    if limits.max_poll_options <= 0 or not network.supports(Capability.POLL):
        return [f"{name}: {network.kind.value.capitalize()} has no polls; nothing was sent"]
    problems = []
    if len(poll.options) > limits.max_poll_options:
        problems.append(f"{name}: a poll has at most {limits.max_poll_options} choices here")
    long = [o for o in poll.options if len(o) > limits.max_poll_option_chars]
    if long:
        problems.append(
            f"{name}: a choice has at most {limits.max_poll_option_chars} characters here "
            f"({long[0][:20]!r}… is longer)"
        )
    return problems

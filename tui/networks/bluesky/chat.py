"""Bluesky chat (chat.bsky.convo.*): a separate service the PDS proxies to when asked with the
`atproto-proxy` header. A PDS that cannot reach it (no such service configured or resolvable, as
on the reference network) answers an error, and the Messages screen says chat is not available.
"""

from __future__ import annotations

from typing import Any

from tui.model import Author, Conversation, Post, RichText
from tui.networks.base import AuthError, NetworkError, NotFound, Unsupported
from tui.networks.bluesky import parse
from tui.networks.bluesky.syntax import is_did
from tui.text import clean

CHAT_PROXY = {"atproto-proxy": "did:web:api.bsky.chat#bsky_chat"}
UNAVAILABLE = "Bluesky chat is not available on this server"
_ABSENT_WORDS = ("proxy", "service", "not implemented", "not supported")


def chat_absent(exc: NetworkError) -> bool:
    """Whether an error to a proxied chat call means the chat service is not there (rather
    than that one call failed): no such method, or a PDS that cannot route to the service."""
    code = getattr(exc, "code", "")
    if code in ("MethodNotImplemented", "XRPCNotSupported") or exc.status in (404, 501):
        return True
    words = exc.message.lower()
    return exc.status == 400 and any(w in words for w in _ABSENT_WORDS)


class BlueskyChat:
    """Mixed into BlueskyNetwork (which provides `_ready`, `did`, `_ctx`, `resolve_actor`)."""

    _ready: Any
    _ctx: Any
    account: Any
    kind: Any
    error: Any
    did: str
    resolve_actor: Any

    @property
    def chat_available(self) -> bool | None:
        """None until a chat call found out; False when the server has no chat service."""
        return self.__dict__.get("_chat_available")

    def _people(self) -> dict[str, Author]:
        return self.__dict__.setdefault("_chat_people", {})

    async def _chat(self, method: str, nsid: str, payload: Any = None) -> Any:
        x = await self._ready()
        try:
            if method == "GET":
                body = await x.query(nsid, payload, headers=CHAT_PROXY)
            else:
                body = await x.procedure(nsid, payload, headers=CHAT_PROXY)
        except AuthError:
            raise
        except NetworkError as exc:
            if chat_absent(exc):
                self.__dict__["_chat_available"] = False
                raise self.error(Unsupported, UNAVAILABLE) from None
            raise
        self.__dict__["_chat_available"] = True
        return body if isinstance(body, dict) else {}

    def _message(self, view: Any, convo: str) -> Post | None:
        if not isinstance(view, dict) or not isinstance(view.get("id"), str):
            return None
        sender = view.get("sender") if isinstance(view.get("sender"), dict) else {}
        did = parse.as_str(sender.get("did"))
        when = parse.parse_time(view.get("sentAt"))
        if when is None or not is_did(did):
            return None
        author = self._people().get(did) or Author(
            self.kind, self.account.name, parse.uid_for(did), did
        )
        return Post(
            network=self.kind,
            account=self.account.name,
            uid=f"bluesky-chat:{convo}:{view['id']}",
            created_at=when,
            author=author,
            content=RichText(clean(parse.as_str(view.get("text")))),
            key=f"{convo}:{view['id']}",
            visibility="direct",
            ref={"conversation": convo},
        )

    def _convo(self, view: Any) -> Conversation | None:
        if not isinstance(view, dict) or not isinstance(view.get("id"), str):
            return None
        cid = view["id"]
        members = [parse.parse_author(m, self._ctx) for m in view.get("members") or []]
        for m in members:
            if m is not None:
                self._people()[m.uid.removeprefix("bluesky:")] = m
        people = tuple(m for m in members if m is not None and m.uid != parse.uid_for(self.did))
        last = self._message(view.get("lastMessage"), cid)
        return Conversation(
            network=self.kind,
            account=self.account.name,
            uid=cid,
            participants=people,
            last=last,
            unread=(parse.as_int(view.get("unreadCount")) or 0) > 0,
            updated_at=last.created_at if last else Conversation.updated_at,
        )

    async def conversations(self, limit: int = 40) -> list[Conversation]:
        body = await self._chat("GET", "chat.bsky.convo.listConvos", {"limit": limit})
        found = (self._convo(c) for c in body.get("convos") or [])
        return [c for c in found if c is not None]

    async def conversation(self, uid: str) -> list[Post]:
        body = await self._chat("GET", "chat.bsky.convo.getMessages", {"convoId": uid})
        msgs = [self._message(m, uid) for m in body.get("messages") or []]
        return sorted((m for m in msgs if m is not None), key=lambda m: m.created_at)

    async def send_message(self, to: tuple[str, ...] | Conversation, text: str) -> Post:
        if not text.strip():
            raise self.error(Unsupported, "the message is empty")
        if isinstance(to, Conversation):
            cid = to.uid
        else:
            dids = [await self.resolve_actor(w) for w in to]
            if not dids:
                raise self.error(Unsupported, "a private message needs someone to go to")
            body = await self._chat(
                "GET", "chat.bsky.convo.getConvoForMembers", {"members": [self.did, *dids]}
            )
            convo = self._convo(body.get("convo"))
            if convo is None:
                raise self.error(NotFound, "the chat service gave no conversation")
            cid = convo.uid
        sent = await self._chat(
            "POST", "chat.bsky.convo.sendMessage", {"convoId": cid, "message": {"text": text}}
        )
        post = self._message(sent, cid)
        if post is None:
            raise self.error(NotFound, "the chat service did not return the message")
        return post

    async def mark_conversation_read(self, uid: str) -> None:
        await self._chat("POST", "chat.bsky.convo.updateRead", {"convoId": uid})

    async def delete_conversation(self, uid: str) -> None:
        await self._chat("POST", "chat.bsky.convo.leaveConvo", {"convoId": uid})

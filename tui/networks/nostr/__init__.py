"""Nostr: keys (NIP-19/49), verified events (NIP-01), NIP-44, a relay pool and the adapter.

`network.NostrNetwork` is the adapter (reading from relays in `fetch.py`), `login.login` creates
or imports an identity, `options` holds its account options; the other modules are usable alone.
"""

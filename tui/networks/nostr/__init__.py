"""Nostr: keys (NIP-19/49), verified events (NIP-01), NIP-44, a relay pool and the adapter.

Import `tui.networks.nostr.network` for the `Network` adapter; the other modules are usable alone.
"""

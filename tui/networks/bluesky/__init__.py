"""Bluesky (AT Protocol): hand-written XRPC over the shared httpx client.

`network.BlueskyNetwork` implements the Network contract, `login.login` runs the app-password
login, `options` holds its account options. Nothing is imported here, so reading the options
does not load httpx.
"""

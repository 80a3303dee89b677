"""Mastodon and every server speaking its client API (Pleroma/Akkoma, GoToSocial, Takahē...).

`network.MastodonNetwork` is the adapter, `login.login` the out-of-band OAuth and token login,
`options` its account options. Nothing is imported here, so reading the options (config does,
for every command) does not load httpx or websockets.
"""

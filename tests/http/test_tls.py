"""The TLS roots: loaded once per process, on a thread, as httpx itself would choose them."""

from __future__ import annotations

import ssl

import certifi
import pytest

from tui.networks import tls


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tls, "_context", None)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def test_the_context_verifies_servers_and_is_shared(fresh: None) -> None:
    tls.load_soon()
    context = tls.context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # certifi's roots
    assert tls.context() is context


def test_ssl_cert_file_names_the_roots(fresh: None, monkeypatch, tmp_path) -> None:
    one_root = tmp_path / "root.pem"
    pem = certifi.contents().split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    one_root.write_text(pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(one_root))
    assert tls.context().cert_store_stats()["x509_ca"] == 1


def test_a_root_file_that_cannot_be_read_fails_the_caller(fresh: None, monkeypatch, tmp_path):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    tls.load_soon()  # the thread fails quietly; the request that needs the roots says why
    with pytest.raises(OSError):
        tls.context()

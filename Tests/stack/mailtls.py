"""A test certificate authority and an aiosmtpd server that speaks STARTTLS with a
certificate it signed, for the e-mail tests: with credentials in SWITCHBOARD_SMTP_URL the
worker sends nothing without TLS, so the test server must offer it (and the worker trusts
the test CA through SWITCHBOARD_SMTP_CA_FILE)."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller


class MailCA:
    """trustme's CA (an independent implementation) and a certificate for 127.0.0.1."""

    def __init__(self, directory: Path) -> None:
        self.ca = trustme.CA()
        self.cert = self.ca.issue_cert("127.0.0.1", "localhost")
        directory.mkdir(parents=True, exist_ok=True)
        self.ca_file = directory / "smtp-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.cert.configure_cert(context)
        return context


def smtp_server(handler, port: int, *, ca: MailCA | None, authenticator=None, auth_require_tls: bool = True,
                **kwargs) -> Controller:
    """An SMTP server on 127.0.0.1:port. With `ca` it offers STARTTLS (and, with
    `auth_require_tls`, AUTH only after it); without, it offers no TLS at all."""
    options = dict(hostname="127.0.0.1", port=port, authenticator=authenticator,
                   auth_required=authenticator is not None, auth_require_tls=auth_require_tls, **kwargs)
    if ca is not None:
        options["tls_context"] = ca.server_context()
        options["require_starttls"] = True
    controller = Controller(handler, **options)
    controller.start()
    return controller

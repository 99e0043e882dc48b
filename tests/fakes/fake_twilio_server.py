"""A FAKE of the Twilio REST endpoints amicable uses, over real HTTP on 127.0.0.1 (a thread).

Emulated: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` and ``.../Calls.json`` with
HTTP Basic authentication (account SID + auth token), form-encoded parameters, Twilio-shaped
JSON answers (201 with ``sid``, ``status`` …) and Twilio-shaped errors (``code``, ``message``,
``more_info``, ``status``) for a missing parameter, bad credentials, a refused number, or a
forced server failure. Every request is recorded (path, form fields, credentials) for asserts.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs

__all__ = ["FakeTwilioServer", "RecordedRequest"]

_DATE = format_datetime(datetime(2026, 3, 2, 15, 30, tzinfo=UTC))  # Twilio dates are RFC 2822


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    form: dict[str, list[str]]
    credentials: tuple[str, str] | None
    user_agent: str

    def one(self, name: str) -> str:
        """The single value of form field ``name``."""
        [value] = self.form[name]
        return value


def _error(status: int, code: int, message: str) -> tuple[int, dict[str, object]]:
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        return

    def _credentials(self) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user, password

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        request = RecordedRequest(
            "POST", self.path, form, self._credentials(), self.headers.get("User-Agent", "")
        )
        with fake.lock:
            fake.requests.append(request)
        status, body = fake.answer(request)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeTwilioServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class FakeTwilioServer:
    """A FAKE Twilio REST API. Use as a context manager; ``base_url`` is ``http://127.0.0.1:PORT``.

    Attributes a test may set:
        refuse: ``{to number: (http status, twilio code, message)}`` — refuse sends to it.
        force_status: answer every request with this HTTP status (500, 503, 429 …).
    """

    def __init__(self, *, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[RecordedRequest] = []
        self.refuse: dict[str, tuple[int, int, str]] = {}
        self.force_status: int | None = None
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, request: RecordedRequest) -> tuple[int, dict[str, object]]:
        prefix = f"/2010-04-01/Accounts/{self.account_sid}/"
        if request.credentials != (self.account_sid, self.auth_token):
            return _error(401, 20003, "Authenticate")
        if self.force_status is not None:
            return _error(self.force_status, 20500, "Internal Server Error")
        if not request.path.startswith(prefix):
            return _error(404, 20404, "The requested resource was not found")
        resource = request.path[len(prefix) :]
        form = {name: values[-1] for name, values in request.form.items()}
        to = form.get("To", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if to in self.refuse:
            return _error(*self.refuse[to])
        number = next(self._ids)
        if resource == "Messages.json":
            if not form.get("Body"):
                return _error(400, 21602, "Message body is required.")
            if not form.get("From") and not form.get("MessagingServiceSid"):
                return _error(400, 21603, "A 'From' phone number is required.")
            sid = f"SM{number:032x}"
            return 201, {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": form["Body"],
                "status": "queued",
                "direction": "outbound-api",
                "num_segments": "1",
                "num_media": "0",
                "date_created": _DATE,
                "date_updated": _DATE,
                "date_sent": None,
                "price": None,
                "error_code": None,
                "error_message": None,
                "api_version": "2010-04-01",
                "uri": f"{prefix}Messages/{sid}.json",
            }
        if resource == "Calls.json":
            if not form.get("From"):
                return _error(400, 21603, "A 'From' phone number is required.")
            if not form.get("Url") and not form.get("Twiml"):
                return _error(400, 21205, "Url parameter is required.")
            sid = f"CA{number:032x}"
            return 201, {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": form["From"],
                "status": "queued",
                "direction": "outbound-api",
                "answered_by": None,
                "date_created": _DATE,
                "date_updated": _DATE,
                "start_time": None,
                "end_time": None,
                "duration": None,
                "api_version": "2010-04-01",
                "uri": f"{prefix}Calls/{sid}.json",
            }
        return _error(404, 20404, "The requested resource was not found")

    def __enter__(self) -> FakeTwilioServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

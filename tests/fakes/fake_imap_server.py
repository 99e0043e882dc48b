"""A small, faithful FAKE IMAP4rev1 server for tests (plain TCP on 127.0.0.1, one thread each).

It speaks the subset amicable's poller uses, with the wire format of RFC 3501: the ``* OK``
greeting, CAPABILITY, LOGIN (atoms or quoted strings), SELECT, SEARCH UNSEEN / ALL, FETCH with
``RFC822`` (sets ``\\Seen``, as a real server does) or ``BODY.PEEK[]`` (does not), STORE
``+FLAGS`` / ``-FLAGS``, NOOP and LOGOUT; anything else gets a tagged ``BAD``. Messages are kept in
memory with their flags, so a test can assert what the client marked. Not a general server: one
mailbox, sequence numbers only (no UID commands), no EXPUNGE.
"""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field
from types import TracebackType

__all__ = ["FakeImapServer", "StoredMessage"]


@dataclass
class StoredMessage:
    """One message in the fake mailbox."""

    raw: bytes
    flags: set[str] = field(default_factory=set)


_TOKEN = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\([^)]*\))|(\S+)')


def _tokens(line: bytes) -> list[str]:
    out: list[str] = []
    for quoted, paren, atom in _TOKEN.findall(line):
        if quoted or (not paren and not atom):
            out.append(re.sub(rb"\\(.)", rb"\1", quoted).decode("utf-8"))
        else:
            out.append((paren or atom).decode("utf-8"))
    return out


def _sequence(spec: str, count: int) -> list[int]:
    numbers: list[int] = []
    for part in spec.split(","):
        if ":" in part:
            low, high = part.split(":")
            end = count if high == "*" else int(high)
            numbers.extend(range(int(low), end + 1))
        else:
            numbers.append(count if part == "*" else int(part))
    return [n for n in numbers if 1 <= n <= count]


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _send(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")

    def handle(self) -> None:
        fake = self.server.fake
        authenticated = False
        selected = False
        self._send(b"* OK [CAPABILITY IMAP4rev1] fake IMAP ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            line = line.rstrip(b"\r\n")
            fake.commands.append(line.decode("utf-8", "replace"))
            parts = _tokens(line)
            if len(parts) < 2:
                self._send(b"* BAD missing tag or command")
                continue
            tag, command, args = parts[0].encode(), parts[1].upper(), parts[2:]
            if command == "CAPABILITY":
                self._send(b"* CAPABILITY IMAP4rev1")
                self._send(tag + b" OK CAPABILITY completed")
            elif command == "NOOP":
                self._send(tag + b" OK NOOP completed")
            elif command == "LOGOUT":
                self._send(b"* BYE fake IMAP logging out")
                self._send(tag + b" OK LOGOUT completed")
                return
            elif command == "LOGIN":
                if len(args) == 2 and (args[0], args[1]) == (fake.username, fake.password):
                    authenticated = True
                    self._send(tag + b" OK LOGIN completed")
                else:
                    self._send(tag + b" NO [AUTHENTICATIONFAILED] invalid credentials")
            elif not authenticated:
                self._send(tag + b" BAD command not allowed before LOGIN")
            elif command == "SELECT":
                if not args or args[0].upper() != fake.mailbox.upper():
                    self._send(tag + b" NO [NONEXISTENT] no such mailbox")
                    continue
                selected = True
                with fake.lock:
                    count = len(fake.messages)
                    unseen = [i + 1 for i, m in enumerate(fake.messages) if "\\Seen" not in m.flags]
                self._send(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
                self._send(f"* {count} EXISTS".encode())
                self._send(b"* 0 RECENT")
                if unseen:
                    self._send(f"* OK [UNSEEN {unseen[0]}] first unseen".encode())
                self._send(b"* OK [UIDVALIDITY 1] UIDs valid")
                self._send(tag + b" OK [READ-WRITE] SELECT completed")
            elif not selected:
                self._send(tag + b" BAD no mailbox selected")
            elif command == "SEARCH":
                criteria = " ".join(args).upper()
                with fake.lock:
                    if criteria == "UNSEEN":
                        found = [
                            i + 1 for i, m in enumerate(fake.messages) if "\\Seen" not in m.flags
                        ]
                    elif criteria == "ALL":
                        found = list(range(1, len(fake.messages) + 1))
                    else:
                        self._send(tag + b" BAD unsupported search criteria")
                        continue
                self._send(b"* SEARCH" + b"".join(b" %d" % n for n in found))
                self._send(tag + b" OK SEARCH completed")
            elif command == "FETCH" and len(args) == 2:
                item = args[1].upper().strip("()")
                if item not in {"RFC822", "BODY.PEEK[]", "BODY[]"}:
                    self._send(tag + b" BAD unsupported FETCH item")
                    continue
                with fake.lock:
                    for number in _sequence(args[0], len(fake.messages)):
                        message = fake.messages[number - 1]
                        if item != "BODY.PEEK[]":
                            message.flags.add("\\Seen")
                        name = b"RFC822" if item == "RFC822" else b"BODY[]"
                        self.wfile.write(
                            b"* %d FETCH (%s {%d}\r\n" % (number, name, len(message.raw))
                            + message.raw
                            + b")\r\n"
                        )
                self._send(tag + b" OK FETCH completed")
            elif command == "STORE" and len(args) == 3:
                mode = args[1].upper()
                flags = set(args[2].strip("()").split())
                with fake.lock:
                    for number in _sequence(args[0], len(fake.messages)):
                        message = fake.messages[number - 1]
                        if mode.startswith("+FLAGS"):
                            message.flags |= flags
                        elif mode.startswith("-FLAGS"):
                            message.flags -= flags
                        else:
                            message.flags = flags
                        listed = " ".join(sorted(message.flags))
                        self._send(f"* {number} FETCH (FLAGS ({listed}))".encode())
                self._send(tag + b" OK STORE completed")
            else:
                self._send(tag + b" BAD unknown or malformed command")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: FakeImapServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class FakeImapServer:
    """A FAKE IMAP server for tests. Use as a context manager; ``port`` is chosen by the OS."""

    def __init__(self, *, username: str = "ar", password: str = "secret", mailbox: str = "INBOX"):
        self.username = username
        self.password = password
        self.mailbox = mailbox
        self.messages: list[StoredMessage] = []
        self.commands: list[str] = []
        self.lock = threading.Lock()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def deliver(self, raw: bytes, *flags: str) -> None:
        """Put a message in the mailbox (unseen unless ``\\Seen`` is given)."""
        with self.lock:
            self.messages.append(StoredMessage(raw=raw, flags=set(flags)))

    def __enter__(self) -> FakeImapServer:
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

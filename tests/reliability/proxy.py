"""A TCP proxy a test can cut: forward, refuse (Redis unreachable) or swallow (Redis hangs)."""

from __future__ import annotations

import select
import socket
import threading

from tests.integration.servers import free_port


class TcpProxy:
    """Listen on 127.0.0.1:<port> and forward to ``target``; ``mode`` changes at any time.

    - ``"forward"``: a normal connection to the target;
    - ``"refuse"``: new connections are closed at once and open ones are cut;
    - ``"blackhole"``: connections are accepted and never answered.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.mode = "forward"
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        if mode != "forward":
            with self._lock:
                for sock in self._sockets:
                    try:
                        sock.close()
                    except OSError:
                        pass
                self._sockets.clear()

    def close(self) -> None:
        self._stopped.set()
        self.set_mode("refuse")
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "refuse":
                client.close()
                continue
            if self.mode == "blackhole":
                with self._lock:
                    self._sockets.append(client)  # held open, never answered
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.extend([client, upstream])
            threading.Thread(
                target=self._pipe, args=(client, upstream), daemon=True
            ).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while self.mode == "forward":
                ready, _, _ = select.select([a, b], [], [], 0.2)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except (OSError, ValueError):
            pass
        finally:
            for sock in (a, b):
                try:
                    sock.close()
                except OSError:
                    pass

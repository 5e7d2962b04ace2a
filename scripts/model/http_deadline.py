"""A deadline for an HTTP exchange made with http.client, not only a timeout for each socket read.

A socket timeout bounds one read: a server that trickles a byte every few seconds satisfies every
read and is never stopped. Here each step of a reply (its headers, its body, each line of a
stream) must be complete within `step_s` of the last, and the whole exchange within `total_s`;
every read waits at most what is left. Passing either raises DeadlinePassed.
"""

from __future__ import annotations

import io
import socket
import time


class DeadlinePassed(TimeoutError):
    """The reply did not come in time, whatever came of it bit by bit."""


class Deadline:
    def __init__(self, step_s: float, total_s: float):
        self.step_s, self.end = step_s, time.monotonic() + total_s
        self.renew()

    def renew(self) -> None:
        """A step of the reply is complete: the next one has `step_s` (within the total)."""
        self.until = min(time.monotonic() + self.step_s, self.end)
        self.received = False  # nothing of the step yet: a timeout is a silence, not a trickle

    def passed(self) -> TimeoutError:
        """The error for a step not done in time: a trickle, or a plain silence."""
        return DeadlinePassed() if self.received else TimeoutError("timed out")

    def left(self) -> float:
        return self.until - time.monotonic()


class DeadlineSocket:
    """What http.client uses of a connected socket, with the reply read under the deadline:
    set as an HTTPConnection's `sock` once it is connected. As with a socket's own makefile(),
    the socket stays open until the connection and every reader made of it are closed (a
    response outlives a connection that will not be reused)."""

    def __init__(self, sock: socket.socket, deadline: Deadline, read_s: float):
        self.sock, self.deadline, self.read_s = sock, deadline, read_s
        self.readers, self.closed = 0, False

    def makefile(self, mode: str = "rb", *_, **__):  # what HTTPResponse reads the reply from
        self.readers += 1
        return io.BufferedReader(DeadlineReader(self))

    def close(self) -> None:
        self.closed = True
        self.release()

    def release(self) -> None:
        if self.closed and self.readers == 0:
            self.sock.close()

    def __getattr__(self, name: str):  # sendall, settimeout...: the socket's own
        return getattr(self.sock, name)


class DeadlineReader(io.RawIOBase):
    """The socket's incoming bytes, each read waiting at most `read_s` and what the deadline
    leaves."""

    def __init__(self, owner: DeadlineSocket):
        super().__init__()
        self.owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        deadline = self.owner.deadline
        left = deadline.left()
        if left <= 0:
            raise deadline.passed()
        self.owner.sock.settimeout(min(self.owner.read_s, left))
        try:
            count = self.owner.sock.recv_into(buffer)
        except TimeoutError:
            raise deadline.passed() from None
        deadline.received = deadline.received or count > 0
        return count

    def close(self) -> None:
        if not self.closed:
            self.owner.readers -= 1
            self.owner.release()
        super().close()

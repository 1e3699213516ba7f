"""The connection cap's choice of whom to close (``edge.protocol.ConnectionLimiter``)."""

from distributions.sandbox.edge.protocol import ConnectionLimiter


class Connection:
    def __init__(self, name, busy=False, served=False):
        self.name, self.busy, self.dropped = name, busy, False
        self.cycle = object() if busy or served else None  # uvicorn's: set once headers were complete
        self.limiter = None

    def drop(self):
        self.dropped = True
        self.limiter.release(self)


def admitted(limiter, *connections):
    for connection in connections:
        connection.limiter = limiter
        assert limiter.admit(connection)
    return connections


class TestConnectionLimiter:
    def test_at_the_cap_a_connection_that_never_completed_a_request_goes_first(self):
        limiter = ConnectionLimiter(3)
        viewer, slow, busy = admitted(
            limiter, Connection("viewer", served=True), Connection("slow"), Connection("busy", busy=True)
        )
        newcomer = Connection("new")
        newcomer.limiter = limiter
        assert limiter.admit(newcomer)
        assert (viewer.dropped, slow.dropped, busy.dropped) == (False, True, False)
        assert len(limiter.open) == 3

    def test_then_the_oldest_idle_keep_alive_connection(self):
        limiter = ConnectionLimiter(2)
        old, busy = admitted(limiter, Connection("old", served=True), Connection("busy", busy=True))
        assert limiter.admit(Connection("new"))
        assert (old.dropped, busy.dropped) == (True, False)

    def test_when_every_connection_is_busy_the_newcomer_is_refused(self):
        limiter = ConnectionLimiter(2)
        admitted(limiter, Connection("a", busy=True), Connection("b", busy=True))
        assert not limiter.admit(Connection("c"))
        assert len(limiter.open) == 2

"""Pages of a backend's listing, fetched one ahead of the caller when the backend is remote.

``sync_distributions`` spends most of its time waiting on ListDistributions (the server's work
and the XML parse) and the rest writing each page into the mirror. Done one after the other, the
two add up; with the next page fetched on a thread while the current one is written, the sync
takes about as long as the listing alone (what ``aws cloudfront list-distributions`` takes).

Memory stays bounded whatever N: the queue holds at most one page, so at any time there is the
page being written, one waiting and the one being fetched. Only backends that say so
(``prefetch_pages = True``: their listing touches no database, e.g. ``AwsBackend``) are read on a
thread; the simulator reads its own tables, so it is paged in the caller's thread and transaction.
"""

import queue
import threading

_DONE = object()


def chunks(items, size):
    """``items`` (any iterable) as lists of ``size``, the last one shorter."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def pages(backend, size):
    """The backend's ListDistributions summaries in lists of ``size``, the next one fetched ahead if allowed."""
    listing = chunks(backend.list_distributions(), size)
    if not getattr(backend, "prefetch_pages", False):
        yield from listing
        return
    yield from _ahead(listing)


def _ahead(iterator):
    """Yield what ``iterator`` yields, computing the next item on a thread while the caller works on this one.

    An exception raised by ``iterator`` is raised here, in the caller's thread; if the caller stops
    early (an error while writing), the thread stops after the page it is fetching.
    """
    handoff = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce():
        try:
            for item in iterator:
                if not _offer(handoff, stop, (item, None)):
                    return
            _offer(handoff, stop, (_DONE, None))
        except BaseException as exc:  # handed to the caller, which raises it
            _offer(handoff, stop, (_DONE, exc))

    thread = threading.Thread(target=produce, name="list-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=60)


def _offer(handoff, stop, item):
    """Put ``item`` when there is room, unless the caller has gone; whether it was put."""
    while not stop.is_set():
        try:
            handoff.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False

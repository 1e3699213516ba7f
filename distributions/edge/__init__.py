"""The simulated edge: what a viewer gets from the *deployed* config.

``decide_request`` is shared by ``manage.py edge_request`` and the console's
path tester; the decision itself lives in ``cloudfront/viewer.py``.
"""

from urllib.parse import urlsplit

from ..backends.base import BackendError
from ..backends.simulator import SimulatorBackend
from ..cloudfront import viewer


class EdgeError(Exception):
    pass


def decide_request(method, url, https_port=None):
    """The viewer's answer for ``METHOD url`` from the deployed simulated distribution."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EdgeError(f"{url!r} is not an http:// or https:// URL with a host name.")
    if method.upper() not in viewer.METHODS:
        raise EdgeError(f"{method!r} is not a method CloudFront serves ({', '.join(viewer.METHODS)}).")
    simulator = SimulatorBackend()
    try:
        row = simulator.find_by_host(parts.hostname)
    except BackendError as exc:
        raise EdgeError(exc.message) from None
    if row.deployed_config is None:
        raise EdgeError(f"Distribution {row.id} is still being deployed for the first time; try again shortly.")
    decision = viewer.decide_url(row.deployed_config, method, url, https_port)
    return row, decision

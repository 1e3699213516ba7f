"""The API endpoint: one view for every CloudFront path under ``/sandbox-api``.

Not behind the console's sign-in (requests carry a SigV4 signature instead) nor
CSRF (no cookies are used); only in sandbox mode, a 404 otherwise.
"""

import logging
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from ..backends.base import BackendError
from . import operations, protocol, sigv4
from .caller import Caller

logger = logging.getLogger(__name__)


def require_sandbox():
    """The sandbox API and its keys exist only with the simulator backend."""
    if settings.CONSOLE_BACKEND != "simulator":
        raise Http404("The CloudFront API is served only in sandbox mode (CONSOLE_BACKEND=simulator).")


def _answer(request, rest, request_id):
    key = sigv4.authenticate(request)
    operation, uri_params = protocol.match(request.method, "/" + rest, request.GET)
    params = protocol.read_input(operation, request, uri_params)
    caller = Caller(key=key, request_id=request_id, base_url=request.build_absolute_uri(reverse("sandbox_api:root")))
    return protocol.output_response(operation, operations.handle(operation, caller, params))


@csrf_exempt
@login_not_required
def endpoint(request, rest=""):
    """Serve one CloudFront REST request: authenticate, route, run, answer in CloudFront's XML."""
    require_sandbox()
    request_id = str(uuid.uuid4())
    try:
        response = _answer(request, rest, request_id)
    except BackendError as error:
        response = protocol.error_response(error, request_id)
    except RequestDataTooBig:
        response = protocol.error_response(
            protocol.api_error("InvalidArgument", "The request body is too large."), request_id
        )
    except Exception:
        logger.exception("Sandbox API request %s failed", request_id)
        error = protocol.api_error("InternalError", "We encountered an internal error. Please try again.", 500)
        response = protocol.error_response(error, request_id)
    response["x-amz-request-id"] = request_id
    return response

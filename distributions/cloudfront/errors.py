"""The error every CloudFront rule of this package raises."""

from . import service_model


class ConfigError(Exception):
    """A config CloudFront would refuse, with the error code and HTTP status CloudFront uses."""

    def __init__(self, code: str, message: str, status: int | None = None, field: tuple = ()):
        super().__init__(message)
        self.code = code
        self.message = message
        # The member at fault, from the top of the DistributionConfig ("Origins", "Items", 0, "Id"),
        # when one is; CloudFront's answers name none, the console's import does.
        self.field = tuple(field)
        # The status comes from botocore's model (NoSuchOrigin is 404, PreconditionFailed 412…).
        self.status = status if status is not None else service_model.error_status(code)

    def __repr__(self):
        return f"ConfigError({self.code!r}, {self.message!r})"

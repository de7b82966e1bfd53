"""An error that carries the HTTP status to answer with. A function may raise any exception with an
integer ``status_code`` attribute (400-599) to choose the status the same way."""


class HttpError(Exception):
    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code


def status_of(error: BaseException) -> int:
    code = getattr(error, "status_code", None)
    return code if isinstance(code, int) and 400 <= code <= 599 else 500

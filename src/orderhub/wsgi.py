import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderhub.settings")
application = get_wsgi_application()


def _hide_server_header() -> None:
    """gunicorn writes ``Server: gunicorn`` on every answer and has no setting for it; the portal
    does not advertise its server software, so the line is left out (issue 14)."""
    try:
        from gunicorn.http import wsgi as gunicorn_wsgi  # noqa: PLC0415 - only under gunicorn
    except ImportError:  # another WSGI server: configure it (or the proxy) not to send one
        return
    if getattr(gunicorn_wsgi.Response, "_orderhub_no_server", False):
        return
    original = gunicorn_wsgi.Response.default_headers

    def default_headers(self):
        return [h for h in original(self) if not h.lower().startswith("server:")]

    gunicorn_wsgi.Response.default_headers = default_headers
    gunicorn_wsgi.Response._orderhub_no_server = True


_hide_server_header()

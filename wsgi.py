"""WSGI entry point: `gunicorn wsgi:app` (set FINANCEAPP_ENV=production)."""

from financeapp import create_app

app = create_app()

# cxgov production image: gunicorn for web, the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# WeasyPrint (the executive report's PDF) draws text with Pango and HarfBuzz; DejaVu gives it fonts.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not reinstall them. pyproject.toml lists the direct pins and
# constraints.txt every transitive one, as CI installs them; the project itself has no importable
# package to install (manage.py runs from /app).
COPY pyproject.toml constraints.txt README.md ./
RUN pip install --upgrade pip \
 && pip install -c constraints.txt .

COPY . .

# Hashed, compressed static files (whitenoise) are built into the image. The key is a throwaway:
# settings refuse DEBUG=false without one, and collectstatic signs nothing.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-real-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --create-home --home-dir /home/cxgov cxgov \
 && mkdir -p /app/var/media \
 && chown -R cxgov:cxgov /app/var
USER cxgov

# Gunicorn also reads GUNICORN_CMD_ARGS (e.g. "--workers 8 --timeout 60") from the environment.
ENV DEBUG=false
EXPOSE 8000
CMD ["gunicorn", "cxgov.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

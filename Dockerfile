FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY osce_cms osce_cms
COPY taxonomy taxonomy
COPY press press
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 app && mkdir -p /app/media && chown app /app/media
USER app

EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_taxonomy && exec gunicorn osce_cms.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-$(( $(nproc) * 2 + 1 ))} --access-logfile - --error-logfile -"]

# rrc worker + API image (used by docker-compose.yml); the broker is the official apache/kafka image.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RRC_API_HOST=0.0.0.0 RRC_DATA_DIR=/var/lib/rrc
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY streams ./streams
COPY responders ./responders
COPY api ./api
COPY cli ./cli
RUN pip install --no-cache-dir .
VOLUME /var/lib/rrc
EXPOSE 8000
CMD ["rrc", "worker"]

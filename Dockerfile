# rrc worker + API image (used by docker-compose.yml); the broker is the official apache/kafka image.
# The console's browser assets come from npm in a build stage (nothing is fetched at run time).
FROM node:20-slim AS console
WORKDIR /console
COPY api/console/package.json api/console/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RRC_API_HOST=0.0.0.0 RRC_DATA_DIR=/var/lib/rrc
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY streams ./streams
COPY responders ./responders
COPY api ./api
COPY cli ./cli
COPY --from=console /console/node_modules /opt/rrc-console/node_modules
ENV RRC_CONSOLE_ASSETS_DIR=/opt/rrc-console/node_modules
RUN pip install --no-cache-dir .
VOLUME /var/lib/rrc
EXPOSE 8000
CMD ["rrc", "worker"]

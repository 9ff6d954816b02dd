"""Partners subscribe to response events and receive them as signed webhooks.

Plain-Python domain and delivery engine, no Kafka and no HTTP framework:
- `signing`: Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`, `webhook-signature`), secret rotation;
- `filters`: what a subscription asks for (event types, kinds, hazards, countries, regions, minimum severity) and
  what a partner is entitled to see (exercise and restricted events);
- `subscriptions`: the subscription record, its signing secrets and rotation;
- `retry`: the retry schedule with jitter and `Retry-After`;
- `delivery`: the async delivery engine (one pooled HTTP client, retries, per-key ordering, global limits).
"""

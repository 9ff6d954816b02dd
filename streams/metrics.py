"""Prometheus metrics of every stage, defined once: counters, processing latency and consumer lag."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES_IN = Counter("rrc_stage_messages_in_total", "Messages consumed by a stage", ["stage"], registry=REGISTRY)
MESSAGES_OUT = Counter("rrc_stage_messages_out_total", "Messages produced by a stage", ["stage"], registry=REGISTRY)
DEADLETTERED = Counter("rrc_stage_deadlettered_total", "Messages sent to a dead-letter topic", ["stage", "error_type"],
                       registry=REGISTRY)
ERRORS = Counter("rrc_stage_errors_total", "Errors caught while processing", ["stage", "error_type"], registry=REGISTRY)
INPUT_AGE = Histogram("rrc_stage_input_age_seconds", "Age of a batch's oldest record when the stage takes it up",
                      ["stage"], registry=REGISTRY, buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
OFFSET_HOLES = Counter("rrc_stage_offset_holes_total", "Holes in a partition's offsets that made a stage seek back",
                       ["stage"], registry=REGISTRY)
BATCH_SECONDS = Histogram("rrc_stage_batch_seconds", "Time to process one batch", ["stage"], registry=REGISTRY,
                          buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
LAG = Gauge("rrc_stage_consumer_lag_messages", "Messages behind the log end, per stage and partition",
            ["stage", "topic", "partition"], registry=REGISTRY)
LAST_PROCESSED = Gauge("rrc_stage_last_processed_timestamp_seconds", "When a stage last processed a message",
                       ["stage"], registry=REGISTRY)
SIGNALS_PARSED = Counter("rrc_intake_signals_total", "Signals parsed by intake", ["source", "via"], registry=REGISTRY)
RECORDS_REJECTED = Counter("rrc_intake_rejected_total", "Records rejected by intake", ["via"], registry=REGISTRY)
HTTP_REQUESTS = Counter("rrc_http_requests_total", "HTTP requests", ["route", "method", "status"], registry=REGISTRY)
BROKER_UP = Gauge("rrc_broker_up", "1 when the last health probe reached the broker", registry=REGISTRY)
WORKER_RUNNING = Gauge("rrc_worker_running", "1 when the worker is running", registry=REGISTRY)
DEPLOYMENT_EVENTS = Counter("rrc_deployment_events_total", "Deployment events emitted, by type", ["type"],
                            registry=REGISTRY)
LEDGER_HOLDS = Counter("rrc_ledger_holds_total", "Hold requests decided by experts' ledgers", ["outcome"],
                       registry=REGISTRY)
EXPIRY_SWEEPS = Counter("rrc_expiry_commands_total", "ExpireDue commands sent by the expiry sweep", registry=REGISTRY)
OPEN_OFFERS = Gauge("rrc_deployment_open_offers", "Deployment requests offered and not answered yet", registry=REGISTRY)
NOTIFICATIONS = Counter("rrc_notifications_total", "Notifications to experts by channel and outcome",
                        ["channel", "outcome"], registry=REGISTRY)
NOTIFICATION_ATTEMPTS = Counter("rrc_notification_attempts_total", "Notification delivery attempts", ["channel"],
                                registry=REGISTRY)
WEBHOOK_ATTEMPTS = Counter("rrc_webhook_attempts_total", "Webhook calls to partners by result", ["result"],
                           registry=REGISTRY)
WEBHOOK_DELIVERIES = Counter("rrc_webhook_deliveries_total", "Webhook deliveries finished, by outcome", ["status"],
                             registry=REGISTRY)
WEBHOOK_LATENCY = Histogram("rrc_webhook_call_seconds", "Duration of one webhook call", registry=REGISTRY,
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
WEBHOOK_PENDING = Gauge("rrc_webhook_events_pending", "Events read whose deliveries are not all finished",
                        registry=REGISTRY)
SSE_CLIENTS = Gauge("rrc_sse_clients", "Open /v1/events/stream connections", registry=REGISTRY)
STAGE_READY = Gauge("rrc_stage_ready", "1 when a stage is ready (not crashed, failing or stalled), else 0", ["stage"],
                    registry=REGISTRY)
STAGE_BATCH_HELD = Gauge("rrc_stage_batch_held_seconds", "How long a stage has held its current batch (0 when idle)",
                         ["stage"], registry=REGISTRY)
REBALANCING_SECONDS = Gauge("rrc_worker_rebalancing_seconds", "How long the worker has been rebalancing (0 when not)",
                            registry=REGISTRY)
OWNER_PHASE_SECONDS = Counter("rrc_owner_phase_seconds", "Time an owner spent per phase of its batches (decode, decide, "
                              "encode, emit, write, flush)", ["stage", "phase"], registry=REGISTRY)
